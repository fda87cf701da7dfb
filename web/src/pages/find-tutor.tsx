import { useEffect, useMemo, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import type { TutorListing } from "../../../src/shared/tutor-types";
import { tutorsApi } from "../api/tutors";
import { SubjectChips, TeachingLanguages, TutorPhoto } from "../components/tutor-header";
import { Async, describedBy, Empty, Field, Page } from "../components/ui";
import { useUser } from "../lib/auth";
import { loadTutorFacets } from "../lib/directory";
import { formatDay, formatMoney, formatTimeRange, zoneLabel } from "../lib/format";
import { languageName } from "../lib/tutor-labels";
import {
  activeFilterCount,
  comingDays,
  filtersFromQuery,
  filtersToQuery,
  mergeListings,
  NO_FILTERS,
  planSearch,
  type TutorFilters,
} from "../lib/tutor-search";
import { useResource } from "../lib/use-resource";
import { dateKey, zonedToInstant } from "../lib/zoned-time";

/** Tutors by subject, language, price and "free in my week", with their next open times in the student's zone. */
export function FindTutor() {
  const user = useUser();
  const zone = user.timezone;
  const { query, route } = useLocation();
  const days = useMemo(() => comingDays(Date.now(), zone), [zone]);
  // The URL holds the filters in force, so Back from a tutor's page finds them again.
  const applied = useMemo(() => {
    const filters = filtersFromQuery(query);
    return { ...filters, days: filters.days.filter((day) => days.includes(day)) };
  }, [JSON.stringify(query), days]);
  const [draft, setDraft] = useState<TutorFilters>(applied);
  const [issues, setIssues] = useState<Record<string, string>>({});
  useEffect(() => setDraft(applied), [applied]);
  const facets = useResource(loadTutorFacets);
  const currencies = facets.data?.currencies ?? [];
  const currency = draft.currency || currencies[0] || "usd";

  const tutors = useResource(async () => {
    const plan = planSearch(applied, zone);
    if (!plan.ok) return [];
    const answers = await Promise.all(
      plan.queries.map((q) => tutorsApi.search(q).then((answer) => answer.providers)),
    );
    return mergeListings(answers);
  }, [JSON.stringify(applied), zone]);

  const [search, setSearch] = useState("");
  const needle = search.trim().toLowerCase();
  const set = (change: Partial<TutorFilters>) => setDraft((current) => ({ ...current, ...change }));

  const apply = (event: Event) => {
    event.preventDefault();
    const next = { ...draft, currency };
    const plan = planSearch(next, zone);
    setIssues(plan.ok ? {} : plan.issues);
    if (!plan.ok) return;
    const params = new URLSearchParams(filtersToQuery(next));
    route(params.size > 0 ? `/find?${params}` : "/find", true);
  };
  const clear = () => {
    setIssues({});
    setDraft(NO_FILTERS);
    route("/find", true);
  };
  const active = activeFilterCount(applied);

  return (
    <Page title="Find a tutor" intro="Pick a tutor to see their open times, shown in your own time zone.">
      <div class="search-bar">
        <Field id="tutor-search" label="Search tutors" hint="By name, subject or words from their profile.">
          <input
            id="tutor-search"
            type="search"
            value={search}
            aria-describedby="tutor-search-hint"
            onInput={(e) => setSearch(e.currentTarget.value)}
          />
        </Field>
      </div>
      <details class="tutor-filters" open={active > 0}>
        <summary>
          Filters: subject, language, price, free times
          {active > 0 && <span class="badge badge-neutral">{active} on</span>}
        </summary>
        <form onSubmit={apply} aria-label="Filter tutors" noValidate>
          <div class="grid-2">
            <Field id="filter-subject" label="Subject">
              <input
                id="filter-subject"
                list="filter-subject-options"
                maxLength={40}
                value={draft.subject}
                onInput={(e) => set({ subject: e.currentTarget.value })}
              />
            </Field>
            <datalist id="filter-subject-options">
              {(facets.data?.subjects ?? []).map((subject) => (
                <option key={subject} value={subject} />
              ))}
            </datalist>
            <Field id="filter-language" label="Language">
              <select
                id="filter-language"
                value={draft.language}
                onChange={(e) => set({ language: e.currentTarget.value })}
              >
                <option value="">Any language</option>
                {withSelected(facets.data?.languages ?? [], draft.language).map((tag) => (
                  <option key={tag} value={tag}>
                    {languageName(tag)}
                  </option>
                ))}
              </select>
            </Field>
          </div>
          <fieldset>
            <legend>Price per hour</legend>
            <div class="price-range">
              <Field id="filter-min-price" label="From" error={issues.minPrice}>
                <input
                  id="filter-min-price"
                  inputMode="decimal"
                  value={draft.minPrice}
                  aria-invalid={issues.minPrice ? true : undefined}
                  aria-describedby={describedBy("filter-min-price", false, issues.minPrice)}
                  onInput={(e) => set({ minPrice: e.currentTarget.value })}
                />
              </Field>
              <Field id="filter-max-price" label="To" error={issues.maxPrice}>
                <input
                  id="filter-max-price"
                  inputMode="decimal"
                  value={draft.maxPrice}
                  aria-invalid={issues.maxPrice ? true : undefined}
                  aria-describedby={describedBy("filter-max-price", false, issues.maxPrice)}
                  onInput={(e) => set({ maxPrice: e.currentTarget.value })}
                />
              </Field>
              {currencies.length > 1 ? (
                <Field id="filter-currency" label="Currency">
                  <select
                    id="filter-currency"
                    value={currency}
                    onChange={(e) => set({ currency: e.currentTarget.value })}
                  >
                    {withSelected(currencies, currency).map((code) => (
                      <option key={code} value={code}>
                        {code.toUpperCase()}
                      </option>
                    ))}
                  </select>
                </Field>
              ) : (
                <span class="hint">{currency.toUpperCase()}</span>
              )}
            </div>
          </fieldset>
          <fieldset aria-describedby="week-hint">
            <legend>Free in my week</legend>
            <p class="hint" id="week-hint">
              Tutors with an open time starting on a chosen day, in your time zone, {zoneLabel(zone)}.
            </p>
            <div class="week-days">
              {days.map((day) => (
                <label key={day} class="choice">
                  <input
                    type="checkbox"
                    checked={draft.days.includes(day)}
                    onChange={(e) =>
                      set({
                        days: e.currentTarget.checked
                          ? [...draft.days, day].sort()
                          : draft.days.filter((d) => d !== day),
                      })
                    }
                  />
                  {formatDay(zonedToInstant(day, "12:00", zone) ?? Date.parse(`${day}T12:00:00Z`), zone)}
                </label>
              ))}
            </div>
            <div class="time-range">
              <Field id="filter-from" label="From (time)" hint="Empty: from midnight.">
                <input
                  id="filter-from"
                  type="time"
                  value={draft.from}
                  aria-describedby="filter-from-hint"
                  onInput={(e) => set({ from: e.currentTarget.value })}
                />
              </Field>
              <Field id="filter-to" label="To (time)" hint="Empty: until midnight.">
                <input
                  id="filter-to"
                  type="time"
                  value={draft.to}
                  aria-describedby="filter-to-hint"
                  onInput={(e) => set({ to: e.currentTarget.value })}
                />
              </Field>
            </div>
          </fieldset>
          <div class="button-row">
            <button type="submit" class="primary">
              Show tutors
            </button>
            <button type="button" class="secondary" onClick={clear}>
              Clear filters
            </button>
          </div>
        </form>
      </details>
      <Async resource={tutors} label="Loading tutors…">
        {(list) => {
          const shown = list.filter((tutor) => !needle || searchableText(tutor).includes(needle));
          return (
            <>
              <p class="result-count" role="status">
                {resultCount(shown.length, active > 0 || needle !== "")}
              </p>
              {list.length === 0 ? (
                <Empty>
                  {active > 0
                    ? "No tutor matches these filters. Try fewer or wider ones."
                    : "No tutors have signed up yet."}
                </Empty>
              ) : shown.length === 0 ? (
                <Empty>No tutor matches “{search}”.</Empty>
              ) : (
                <ul class="card-grid" aria-label="Tutors">
                  {shown.map((tutor) => (
                    <TutorCard key={tutor.id} tutor={tutor} zone={zone} />
                  ))}
                </ul>
              )}
            </>
          );
        }}
      </Async>
    </Page>
  );
}

/** The options, with the selected value kept even when no tutor offers it any more. */
function withSelected(options: string[], selected: string): string[] {
  return selected && !options.includes(selected) ? [selected, ...options] : options;
}

function searchableText(tutor: TutorListing): string {
  return [tutor.name, tutor.bio ?? "", tutor.headline ?? "", ...tutor.subjects].join("\n").toLowerCase();
}

function resultCount(count: number, filtered: boolean): string {
  const tutors = count === 1 ? "1 tutor" : `${count} tutors`;
  return filtered ? `${tutors} match.` : `${tutors}.`;
}

function TutorCard({ tutor, zone }: { tutor: TutorListing; zone: string }) {
  return (
    <li class="card tutor-card">
      <div class="tutor-card-head">
        <TutorPhoto name={tutor.name} photoUrl={tutor.photoUrl} />
        <div>
          <h2>{tutor.name}</h2>
          {tutor.headline && <p class="tutor-headline">{tutor.headline}</p>}
        </div>
      </div>
      <SubjectChips subjects={tutor.subjects} />
      <TeachingLanguages languages={tutor.languages} />
      {tutor.bio && <p>{tutor.bio}</p>}
      <p class="tutor-rate">
        {tutor.hourlyRate && tutor.currency
          ? `${formatMoney(tutor.hourlyRate, tutor.currency)} per hour`
          : "Not taking bookings yet"}
      </p>
      {tutor.nextOpenSlots.length > 0 ? (
        <>
          <p class="next-times-label" id={`next-${tutor.id}`}>
            Next open times
          </p>
          <ul class="next-times" aria-labelledby={`next-${tutor.id}`}>
            {tutor.nextOpenSlots.map((slot) => (
              <li key={slot.id}>
                <span>
                  {dayLabel(slot.startsAt, zone)}, {formatTimeRange(slot.startsAt, slot.endsAt, zone)}
                </span>
                <span>{formatMoney(slot.price.amount, slot.price.currency)}</span>
              </li>
            ))}
          </ul>
        </>
      ) : (
        tutor.hourlyRate !== null && <p class="hint">No open times right now.</p>
      )}
      <a class="button primary" href={`/find/${tutor.id}`}>
        See open times<span class="sr-only"> of {tutor.name}</span>
      </a>
    </li>
  );
}

/** "Today", "Tomorrow" or "Tue, 3 Dec" on the student's clock. */
function dayLabel(instant: string, zone: string): string {
  const now = Date.now();
  const day = dateKey(Date.parse(instant), zone);
  if (day === dateKey(now, zone)) return "Today";
  const [today] = comingDays(now, zone, 2).slice(1);
  if (day === today) return "Tomorrow";
  return formatDay(instant, zone);
}
