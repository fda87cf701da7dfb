import { useEffect } from "preact/hooks";
import { useLocation } from "preact-iso";
import { Loading, Page } from "../components/ui";
import { useAuth } from "../lib/auth";

/** Guests see what Lectern is; signed-in people go to their main screen. */
export function Home() {
  const { user } = useAuth();
  const { route } = useLocation();
  useEffect(() => {
    if (user) route(user.role === "provider" ? "/teach" : "/find", true);
  }, [user, route]);
  if (user) return <Loading />;
  return (
    <Page title="Live lessons with tutors" heading="Live lessons with tutors and teachers">
      <p class="lede">
        Teachers publish the times they can teach, one-to-one or in small groups. Students book a seat, pay
        securely, and meet in a live video room with chat.
      </p>
      <div class="button-row">
        <a class="button primary" href="/signup">
          Create an account
        </a>
        <a class="button secondary" href="/signin">
          Sign in
        </a>
      </div>
      <ul class="feature-list">
        <li>
          <strong>For teachers:</strong> a week calendar, weekly patterns that fill it for you, live seat
          counts.
        </li>
        <li>
          <strong>For students:</strong> open times shown in your own time zone, a seat held while you pay,
          full refunds when a lesson is cancelled.
        </li>
      </ul>
    </Page>
  );
}
