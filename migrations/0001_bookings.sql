CREATE TABLE `bookings` (
	`id` text PRIMARY KEY NOT NULL,
	`slot_id` text NOT NULL,
	`student_id` text NOT NULL,
	`status` text NOT NULL,
	`amount` integer NOT NULL,
	`currency` text NOT NULL,
	`hold_expires_at` integer NOT NULL,
	`payment_intent_id` text,
	`last_payment_error` text,
	`session_id` text,
	`idempotency_key` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`slot_id`) REFERENCES `slots`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`student_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `bookings_slot` ON `bookings` (`slot_id`,`status`);--> statement-breakpoint
CREATE INDEX `bookings_student` ON `bookings` (`student_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `bookings_status_hold` ON `bookings` (`status`,`hold_expires_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `bookings_one_active_per_student` ON `bookings` (`slot_id`,`student_id`) WHERE status IN ('PENDING_PAYMENT', 'CONFIRMED');--> statement-breakpoint
CREATE UNIQUE INDEX `bookings_idempotency` ON `bookings` (`student_id`,`idempotency_key`) WHERE idempotency_key IS NOT NULL;--> statement-breakpoint
CREATE TABLE `payments` (
	`id` text PRIMARY KEY NOT NULL,
	`booking_id` text NOT NULL,
	`payment_intent_id` text NOT NULL,
	`client_secret` text NOT NULL,
	`amount` integer NOT NULL,
	`currency` text NOT NULL,
	`status` text NOT NULL,
	`refund_id` text,
	`refunded_amount` integer DEFAULT 0 NOT NULL,
	`refund_reason` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`booking_id`) REFERENCES `bookings`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `payments_booking` ON `payments` (`booking_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `payments_intent` ON `payments` (`payment_intent_id`);--> statement-breakpoint
CREATE TABLE `session_participants` (
	`session_id` text NOT NULL,
	`user_id` text NOT NULL,
	`booking_id` text NOT NULL,
	`status` text NOT NULL,
	`joined_at` integer NOT NULL,
	PRIMARY KEY(`session_id`, `user_id`),
	FOREIGN KEY (`session_id`) REFERENCES `teaching_sessions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `participants_user` ON `session_participants` (`user_id`);--> statement-breakpoint
CREATE TABLE `stripe_events` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`received_at` integer NOT NULL,
	`processed_at` integer
);
--> statement-breakpoint
CREATE TABLE `teaching_sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`slot_id` text NOT NULL,
	`provider_id` text NOT NULL,
	`status` text NOT NULL,
	`channel_name` text NOT NULL,
	`started_at` integer,
	`ended_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`slot_id`) REFERENCES `slots`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`provider_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sessions_slot` ON `teaching_sessions` (`slot_id`);--> statement-breakpoint
CREATE INDEX `sessions_provider` ON `teaching_sessions` (`provider_id`);