import { useEffect } from "preact/hooks";
import { LocationProvider, lazy, Route, Router, useLocation } from "preact-iso";
import type { Role } from "./api/types";
import { ErrorBoundary } from "./components/error-boundary";
import { Layout } from "./components/layout";
import { Loading } from "./components/ui";
import { AuthProvider, useAuth } from "./lib/auth";
import { Home } from "./pages/home";
import { NotFound } from "./pages/not-found";
import { SignIn } from "./pages/sign-in";

// Everything behind sign-in loads on demand, so the first page stays small; so does sign-up,
// whose time-zone picker carries the zone list.
const SignUp = lazy(() => import("./pages/sign-up").then((m) => m.SignUp));
const Account = lazy(() => import("./pages/account").then((m) => m.Account));
const TeachCalendar = lazy(() => import("./pages/teach-calendar").then((m) => m.TeachCalendar));
const NewSlot = lazy(() => import("./pages/new-slot").then((m) => m.NewSlot));
const SlotDetail = lazy(() => import("./pages/slot-detail").then((m) => m.SlotDetail));
const Patterns = lazy(() => import("./pages/patterns").then((m) => m.Patterns));
const FindTutor = lazy(() => import("./pages/find-tutor").then((m) => m.FindTutor));
const TutorSlots = lazy(() => import("./pages/tutor-slots").then((m) => m.TutorSlots));
const Checkout = lazy(() => import("./pages/checkout").then((m) => m.Checkout));
const Bookings = lazy(() => import("./pages/bookings").then((m) => m.Bookings));
const Sessions = lazy(() => import("./pages/sessions").then((m) => m.Sessions));
const SessionRoom = lazy(() => import("./pages/session-room").then((m) => m.SessionRoom));
const Conversations = lazy(() => import("./pages/conversations").then((m) => m.Conversations));
const Inbox = lazy(() => import("./pages/inbox").then((m) => m.Inbox));
const Earnings = lazy(() => import("./pages/earnings").then((m) => m.Earnings));
const Integrations = lazy(() => import("./pages/integrations").then((m) => m.Integrations));

/** Renders `page` for a signed-in user of `role` (any role if omitted); otherwise sends to sign-in. */
function guard(page: preact.AnyComponent, role?: Role) {
  return function Guarded(props: Record<string, unknown>) {
    const { user } = useAuth();
    const { url, route } = useLocation();
    useEffect(() => {
      if (user === null) route(`/signin?next=${encodeURIComponent(url)}`, true);
    }, [user, url, route]);
    if (!user) return <Loading />;
    if (role && user.role !== role) {
      return <NotFound message={`This page is for ${role === "provider" ? "teachers" : "students"}.`} />;
    }
    const Page = page;
    return <Page {...props} />;
  };
}

const routes = {
  account: guard(Account),
  teach: guard(TeachCalendar, "provider"),
  newSlot: guard(NewSlot, "provider"),
  slotDetail: guard(SlotDetail, "provider"),
  patterns: guard(Patterns, "provider"),
  find: guard(FindTutor, "student"),
  tutorSlots: guard(TutorSlots, "student"),
  checkout: guard(Checkout, "student"),
  bookings: guard(Bookings),
  sessions: guard(Sessions),
  sessionRoom: guard(SessionRoom),
  conversations: guard(Conversations),
  inbox: guard(Inbox),
  earnings: guard(Earnings, "provider"),
  integrations: guard(Integrations, "provider"),
};

function Shell() {
  const { user } = useAuth();
  const { path } = useLocation();
  if (user === undefined) {
    return (
      <Layout>
        <Loading />
      </Layout>
    );
  }
  return (
    <Layout>
      <ErrorBoundary resetKey={path}>
        <Router>
          <Route path="/" component={Home} />
          <Route path="/signin" component={SignIn} />
          <Route path="/signup" component={SignUp} />
          <Route path="/account" component={routes.account} />
          <Route path="/teach" component={routes.teach} />
          <Route path="/teach/slots/new" component={routes.newSlot} />
          <Route path="/teach/slots/:id" component={routes.slotDetail} />
          <Route path="/teach/patterns" component={routes.patterns} />
          <Route path="/find" component={routes.find} />
          <Route path="/find/:providerId" component={routes.tutorSlots} />
          <Route path="/bookings" component={routes.bookings} />
          <Route path="/bookings/:id/pay" component={routes.checkout} />
          <Route path="/sessions" component={routes.sessions} />
          <Route path="/sessions/:id" component={routes.sessionRoom} />
          <Route path="/messages" component={routes.conversations} />
          <Route path="/messages/:id" component={routes.conversations} />
          <Route path="/inbox" component={routes.inbox} />
          <Route path="/earnings" component={routes.earnings} />
          <Route path="/integrations" component={routes.integrations} />
          <Route default component={NotFound} />
        </Router>
      </ErrorBoundary>
    </Layout>
  );
}

export function App() {
  return (
    <LocationProvider>
      <AuthProvider>
        <Shell />
      </AuthProvider>
    </LocationProvider>
  );
}
