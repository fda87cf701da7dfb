CREATE TABLE `live_connections` (
	`token_hash` text NOT NULL,
	`slot_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`token_hash`, `slot_id`)
);
--> statement-breakpoint
CREATE TABLE `money_ledger` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`booking_id` text NOT NULL,
	`slot_id` text NOT NULL,
	`payment_intent_id` text NOT NULL,
	`stripe_object_id` text NOT NULL,
	`amount` integer NOT NULL,
	`currency` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `money_ledger_fact` ON `money_ledger` (`kind`,`stripe_object_id`);--> statement-breakpoint
CREATE INDEX `money_ledger_booking` ON `money_ledger` (`booking_id`);--> statement-breakpoint
CREATE INDEX `money_ledger_slot` ON `money_ledger` (`slot_id`);--> statement-breakpoint
CREATE TABLE `refunds` (
	`id` text PRIMARY KEY NOT NULL,
	`payment_intent_id` text NOT NULL,
	`booking_id` text NOT NULL,
	`amount` integer NOT NULL,
	`currency` text NOT NULL,
	`status` text NOT NULL,
	`failure_reason` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `refunds_intent` ON `refunds` (`payment_intent_id`);--> statement-breakpoint
CREATE INDEX `refunds_booking` ON `refunds` (`booking_id`);--> statement-breakpoint
CREATE TABLE `__new_payments` (
	`id` text PRIMARY KEY NOT NULL,
	`booking_id` text NOT NULL,
	`slot_id` text,
	`student_id` text,
	`payment_intent_id` text NOT NULL,
	`client_secret` text NOT NULL,
	`amount` integer NOT NULL,
	`currency` text NOT NULL,
	`status` text NOT NULL,
	`amount_captured` integer DEFAULT 0 NOT NULL,
	`charge_id` text,
	`refund_id` text,
	`refunded_amount` integer DEFAULT 0 NOT NULL,
	`refund_pending_amount` integer DEFAULT 0 NOT NULL,
	`refund_reason` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
INSERT INTO `__new_payments`("id", "booking_id", "slot_id", "student_id", "payment_intent_id", "client_secret", "amount", "currency", "status", "amount_captured", "refund_id", "refunded_amount", "refund_reason", "created_at", "updated_at") SELECT p."id", p."booking_id", b."slot_id", b."student_id", p."payment_intent_id", p."client_secret", p."amount", p."currency", p."status", CASE WHEN p."status" IN ('SUCCEEDED', 'REFUND_PENDING', 'REFUNDED') THEN p."amount" ELSE 0 END, p."refund_id", p."refunded_amount", p."refund_reason", p."created_at", p."updated_at" FROM `payments` p LEFT JOIN `bookings` b ON b."id" = p."booking_id";--> statement-breakpoint
DROP TABLE `payments`;--> statement-breakpoint
ALTER TABLE `__new_payments` RENAME TO `payments`;--> statement-breakpoint
CREATE UNIQUE INDEX `payments_booking` ON `payments` (`booking_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `payments_intent` ON `payments` (`payment_intent_id`);