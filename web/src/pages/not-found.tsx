import { Page } from "../components/ui";

export function NotFound({ message }: { message?: string }) {
  return (
    <Page title="Page not found" intro={message ?? "There is no page at this address."}>
      <p>
        <a href="/">Go to the start page</a>
      </p>
    </Page>
  );
}
