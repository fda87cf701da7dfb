import { useState } from "preact/hooks";
import { api } from "../api/endpoints";
import { Async, Empty, Field, Page } from "../components/ui";
import { formatMoney } from "../lib/format";
import { useResource } from "../lib/use-resource";

export function FindTutor() {
  const providers = useResource(() => api.providers().then((answer) => answer.providers));
  const [search, setSearch] = useState("");
  const needle = search.trim().toLowerCase();

  return (
    <Page title="Find a tutor" intro="Pick a tutor to see their open times, shown in your own time zone.">
      <div class="search-bar">
        <Field id="tutor-search" label="Search tutors" hint="By name or subject.">
          <input
            id="tutor-search"
            type="search"
            value={search}
            aria-describedby="tutor-search-hint"
            onInput={(e) => setSearch(e.currentTarget.value)}
          />
        </Field>
      </div>
      <Async resource={providers} label="Loading tutors…">
        {(list) => {
          const shown = list.filter(
            (p) =>
              !needle ||
              p.name.toLowerCase().includes(needle) ||
              (p.bio ?? "").toLowerCase().includes(needle),
          );
          if (list.length === 0) return <Empty>No tutors have signed up yet.</Empty>;
          if (shown.length === 0) return <Empty>No tutor matches “{search}”.</Empty>;
          return (
            <ul class="card-grid" aria-label="Tutors">
              {shown.map((provider) => (
                <li key={provider.id} class="card tutor-card">
                  <h2>{provider.name}</h2>
                  {provider.bio && <p>{provider.bio}</p>}
                  <p class="tutor-rate">
                    {provider.hourlyRate && provider.currency
                      ? `${formatMoney(provider.hourlyRate, provider.currency)} per hour`
                      : "Not taking bookings yet"}
                  </p>
                  <a class="button primary" href={`/find/${provider.id}`}>
                    See open times<span class="sr-only"> of {provider.name}</span>
                  </a>
                </li>
              ))}
            </ul>
          );
        }}
      </Async>
    </Page>
  );
}
