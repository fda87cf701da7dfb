import { Fragment } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { api, EARNINGS_CSV_URL } from "../api/endpoints";
import type { EarningsTotal, Payout, PayoutAccount } from "../api/types";
import { Async, Badge, Empty, ErrorNotice, Loading, Notice, Page } from "../components/ui";
import { useUser } from "../lib/auth";
import {
  accountFacts,
  accountStage,
  FINISH_POLL_MS,
  keepFinishing,
  type OnboardingStep,
  onboardingStep,
  PAYOUT_STATUS,
  payoutNotes,
} from "../lib/earnings";
import { formatDateTime, formatMoney, zoneLabel } from "../lib/format";
import { usePolling, useResource } from "../lib/use-resource";
import "../styles/earnings.css";

export function Earnings() {
  const user = useUser();
  const zone = user.timezone;
  const { query } = useLocation();
  const step = onboardingStep(query.onboarding);
  const earnings = useResource(() => api.earnings());
  const opened = useRef(Date.now());
  const [elapsed, setElapsed] = useState(0);
  // Back from Stripe: the account.updated webhook may land a moment after the user does.
  const finishing = keepFinishing(step, earnings.data?.account, elapsed);
  usePolling(
    () => {
      setElapsed(Date.now() - opened.current);
      void earnings.reload();
    },
    FINISH_POLL_MS,
    finishing,
  );

  return (
    <Page
      title="Earnings"
      intro={`What you earn for each lesson that happened, after the platform fee. Times in ${zoneLabel(zone)}.`}
      actions={
        <a class="button secondary" href={EARNINGS_CSV_URL} download>
          Download CSV
        </a>
      }
      wide
    >
      <Async resource={earnings} label="Loading earnings…">
        {(data) => (
          <>
            <PayoutAccountCard account={data.account} step={step} finishing={finishing} />
            <Totals totals={data.totals} />
            <PayoutTable payouts={data.payouts} zone={zone} />
          </>
        )}
      </Async>
    </Page>
  );
}

/** Where the Stripe Connect account stands, with the button that opens (or resumes) onboarding. */
function PayoutAccountCard({
  account,
  step,
  finishing,
}: {
  account: PayoutAccount | null;
  step: OnboardingStep;
  finishing: boolean;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const stage = accountStage(account);

  // Back from Stripe through the browser's history: the page may come back as it was left, busy.
  useEffect(() => {
    const onShow = (event: PageTransitionEvent) => {
      if (event.persisted) setBusy(false);
    };
    window.addEventListener("pageshow", onShow);
    return () => window.removeEventListener("pageshow", onShow);
  }, []);

  const open = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const { onboardingUrl } = await api.openPayoutAccount();
      window.location.assign(onboardingUrl);
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };

  const button = (label: string) => (
    <button type="button" class="primary" disabled={busy} onClick={() => void open()}>
      {busy ? "Opening Stripe…" : label}
    </button>
  );

  return (
    <section class="card payout-account" aria-labelledby="payout-account-heading">
      <div class="payout-account-head">
        <h2 id="payout-account-heading">Payouts</h2>
        {stage === "ENABLED" && <Badge tone="ok">Payouts are on</Badge>}
        {stage === "INCOMPLETE" && <Badge tone="warn">Setup not finished</Badge>}
      </div>
      {step === "refresh" && stage !== "ENABLED" && (
        <Notice tone="warning">Your setup link expired. Continue setup to get a new one.</Notice>
      )}
      {step === "return" && stage === "ENABLED" && (
        <Notice tone="success" live>
          Your payout setup is complete.
        </Notice>
      )}
      {stage === "NONE" ? (
        <>
          <p>Lectern pays you through Stripe after each lesson that happened, minus the platform fee.</p>
          <p class="hint">Stripe asks for your identity and bank details on its own pages.</p>
        </>
      ) : stage === "INCOMPLETE" ? (
        <p>
          {account?.detailsSubmitted
            ? "Your details are submitted; Stripe is still checking them. Payouts start once it has finished."
            : "Stripe still needs some details before it can pay you. What you earn meanwhile is kept for you."}
        </p>
      ) : (
        <p>Stripe sends what you earn for each lesson to your bank once it is due.</p>
      )}
      {finishing && <Loading label="Finishing your setup…" />}
      {account && (
        <dl class="facts payout-facts">
          <dt>Account</dt>
          <dd>
            <code>{account.id}</code>
          </dd>
          {accountFacts(account).map((fact) => (
            <Fragment key={fact.term}>
              <dt>{fact.term}</dt>
              <dd>{fact.value}</dd>
            </Fragment>
          ))}
        </dl>
      )}
      <ErrorNotice error={error} />
      {stage !== "ENABLED" && (
        <div class="button-row">{button(stage === "NONE" ? "Set up payouts" : "Continue setup")}</div>
      )}
    </section>
  );
}

function Totals({ totals }: { totals: EarningsTotal[] }) {
  if (totals.length === 0) return null;
  return (
    <section aria-labelledby="earnings-totals-heading" class="earnings-section">
      <h2 id="earnings-totals-heading">Totals</h2>
      <ul class="earnings-totals">
        {totals.map((total) => {
          const money = (amount: number) => formatMoney(amount, total.currency);
          return (
            <li
              key={total.currency}
              class="card"
              data-testid={`earnings-total-${total.currency.toLowerCase()}`}
            >
              <h3>{total.currency.toUpperCase()}</h3>
              <dl class="facts">
                <dt>Scheduled</dt>
                <dd>{money(total.scheduled)}</dd>
                <dt>Paid</dt>
                <dd>{money(total.paid)}</dd>
                <dt>Reversed</dt>
                <dd>{money(total.reversed)}</dd>
                <dt>Platform fees</dt>
                <dd>{money(total.platformFees)}</dd>
              </dl>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

/** One line per lesson that happened: what the student paid, what came off it, and where the rest stands. */
function PayoutTable({ payouts, zone }: { payouts: Payout[]; zone: string }) {
  return (
    <section aria-labelledby="payouts-heading" class="earnings-section">
      <h2 id="payouts-heading">Lessons</h2>
      {payouts.length === 0 ? (
        <Empty>No lessons to be paid for yet.</Empty>
      ) : (
        <div class="table-wrap payouts-wrap">
          <table class="payouts" aria-labelledby="payouts-heading">
            <thead>
              <tr>
                <th scope="col">Lesson</th>
                <th scope="col">Student</th>
                <th scope="col" class="num">
                  Student paid
                </th>
                <th scope="col" class="num">
                  Refunded
                </th>
                <th scope="col" class="num">
                  Platform fee
                </th>
                <th scope="col" class="num">
                  You get
                </th>
                <th scope="col">Status</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {payouts.map((payout) => {
                const money = (amount: number) => formatMoney(amount, payout.currency);
                const status = PAYOUT_STATUS[payout.status];
                return (
                  <tr key={payout.bookingId} data-testid={`payout-${payout.bookingId}`}>
                    <td>{formatDateTime(payout.lessonStartsAt, zone)}</td>
                    <td>{payout.studentName}</td>
                    <td class="num">{money(payout.captured)}</td>
                    <td class="num">{money(payout.refunded)}</td>
                    <td class="num">{money(payout.platformFee)}</td>
                    <td class="num">{money(payout.amount)}</td>
                    <td data-testid="payout-status">
                      <Badge tone={status.tone}>{status.label}</Badge>
                    </td>
                    <td class="payout-notes">
                      {payoutNotes(payout, zone).map((note) => (
                        <span key={note}>{note}</span>
                      ))}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
