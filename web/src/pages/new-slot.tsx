import { useLocation } from "preact-iso";
import { SlotForm } from "../components/slot-form";
import { Async, Page } from "../components/ui";
import { useUser } from "../lib/auth";
import { loadOwnProfile, loadOwnUpcomingSlots } from "../lib/provider-data";
import { useResource } from "../lib/use-resource";

export function NewSlot() {
  const user = useUser();
  const { query, route } = useLocation();
  const data = useResource(async () => {
    const [profile, slots] = await Promise.all([loadOwnProfile(), loadOwnUpcomingSlots(user.id)]);
    return { profile, slots };
  });
  return (
    <Page
      title="New slot"
      intro="Publish one bookable time. For times that repeat every week, use a weekly pattern."
      actions={
        <a class="button secondary" href="/teach">
          Back to calendar
        </a>
      }
    >
      <div class="card">
        <Async resource={data} label="Loading your calendar…">
          {({ profile, slots }) => (
            <SlotForm
              zone={user.timezone}
              initialDate={/^\d{4}-\d{2}-\d{2}$/.test(query.date ?? "") ? query.date : undefined}
              others={slots}
              profile={profile}
              onSaved={(slot) => route(`/teach/slots/${slot.id}?created=1`)}
            />
          )}
        </Async>
      </div>
    </Page>
  );
}
