import { Component, type ComponentChildren } from "preact";
import { ErrorNotice } from "./ui";

/** Shows a crash of one page in words instead of a blank screen; resets when `resetKey` changes. */
export class ErrorBoundary extends Component<
  { resetKey: string; children: ComponentChildren },
  { error?: unknown }
> {
  override state: { error?: unknown } = {};

  override componentDidCatch(error: unknown): void {
    console.error("page crashed", error);
    this.setState({ error });
  }

  override componentDidUpdate(previous: { resetKey: string }): void {
    if (previous.resetKey !== this.props.resetKey && this.state.error) this.setState({ error: undefined });
  }

  override render() {
    if (this.state.error) {
      return (
        <div class="page">
          <ErrorNotice title="This page stopped working.">
            Reload the page to try again; your bookings and payments are not affected.
          </ErrorNotice>
        </div>
      );
    }
    return this.props.children;
  }
}
