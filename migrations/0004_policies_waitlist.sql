CREATE TABLE `waitlist_entries` (
	`id` text PRIMARY KEY NOT NULL,
	`slot_id` text NOT NULL,
	`student_id` text NOT NULL,
	`status` text NOT NULL,
	`seq` integer NOT NULL,
	`offered_at` integer,
	`offer_expires_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`student_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `waitlist_slot` ON `waitlist_entries` (`slot_id`,`status`,`seq`);--> statement-breakpoint
CREATE INDEX `waitlist_student` ON `waitlist_entries` (`student_id`,`created_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `waitlist_one_active` ON `waitlist_entries` (`slot_id`,`student_id`) WHERE status IN ('WAITING', 'OFFERED');--> statement-breakpoint
ALTER TABLE `bookings` ADD `cancellation_policy` text;--> statement-breakpoint
ALTER TABLE `bookings` ADD `rescheduled_from` text;--> statement-breakpoint
ALTER TABLE `bookings` ADD `rescheduled_to` text;--> statement-breakpoint
ALTER TABLE `bookings` ADD `cancelled_by` text;--> statement-breakpoint
ALTER TABLE `bookings` ADD `cancelled_at` integer;--> statement-breakpoint
ALTER TABLE `bookings` ADD `retained_amount` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `bookings_cancelled` ON `bookings` (`cancelled_by`,`cancelled_at`);--> statement-breakpoint
ALTER TABLE `provider_profiles` ADD `cancellation_policy` text;--> statement-breakpoint
ALTER TABLE `session_participants` ADD `attendance` text;--> statement-breakpoint
ALTER TABLE `teaching_sessions` ADD `cancel_reason` text;