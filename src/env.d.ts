// Secrets and test-only bindings that wrangler.toml cannot declare.
declare namespace Cloudflare {
  interface Env {
    /** Real Stripe key (sk_live_/sk_test_); absent locally, where the stand-in is used. */
    STRIPE_SECRET_KEY?: string;
    STRIPE_WEBHOOK_SECRET?: string;
    /** Signing secret of the Connect webhook endpoint (account.updated), if it is a separate one. */
    STRIPE_CONNECT_WEBHOOK_SECRET?: string;
    /** pk_live_/pk_test_ for Stripe.js in the browser (not secret; set as a var or secret). */
    STRIPE_PUBLISHABLE_KEY?: string;
    AGORA_APP_ID?: string;
    /** Resend API key; when set, email goes through Resend instead of the send_email binding. */
    RESEND_API_KEY?: string;
    AGORA_APP_CERTIFICATE?: string;
    /** "on" under `npm start` only: enables /api/dev/* helpers. */
    DEV_ROUTES?: string;
    /** "on" only where the local Stripe stand-in is used (npm start, tests): allows its public webhook secret. */
    STRIPE_STANDIN?: string;
    /** Set by vitest.config.ts only. */
    TEST_MIGRATIONS?: { name: string; queries: string[] }[];
  }
}
