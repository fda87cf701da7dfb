CREATE TABLE `payout_accounts` (
	`provider_id` text PRIMARY KEY NOT NULL,
	`stripe_account_id` text NOT NULL,
	`charges_enabled` integer DEFAULT false NOT NULL,
	`payouts_enabled` integer DEFAULT false NOT NULL,
	`details_submitted` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`provider_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `payout_accounts_stripe` ON `payout_accounts` (`stripe_account_id`);--> statement-breakpoint
CREATE TABLE `payouts` (
	`booking_id` text PRIMARY KEY NOT NULL,
	`provider_id` text NOT NULL,
	`slot_id` text NOT NULL,
	`session_id` text NOT NULL,
	`payment_intent_id` text NOT NULL,
	`currency` text NOT NULL,
	`captured` integer NOT NULL,
	`refunded` integer DEFAULT 0 NOT NULL,
	`platform_fee` integer NOT NULL,
	`amount` integer NOT NULL,
	`status` text NOT NULL,
	`available_at` integer NOT NULL,
	`transfer_id` text,
	`refunded_at_transfer` integer,
	`amount_reversed` integer DEFAULT 0 NOT NULL,
	`paid_at` integer,
	`lease_until` integer,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `payouts_provider` ON `payouts` (`provider_id`,`available_at`);--> statement-breakpoint
CREATE INDEX `payouts_due` ON `payouts` (`status`,`available_at`);