CREATE TABLE `auth_sessions` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `auth_sessions_user` ON `auth_sessions` (`user_id`);--> statement-breakpoint
CREATE TABLE `availability_patterns` (
	`id` text PRIMARY KEY NOT NULL,
	`provider_id` text NOT NULL,
	`timezone` text NOT NULL,
	`weekly` text NOT NULL,
	`duration_minutes` integer NOT NULL,
	`session_type` text NOT NULL,
	`max_participants` integer NOT NULL,
	`starts_on` text,
	`ends_on` text,
	`materialized_until` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`provider_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `patterns_provider` ON `availability_patterns` (`provider_id`);--> statement-breakpoint
CREATE TABLE `provider_profiles` (
	`user_id` text PRIMARY KEY NOT NULL,
	`hourly_rate` integer NOT NULL,
	`currency` text NOT NULL,
	`bio` text,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `slots` (
	`id` text PRIMARY KEY NOT NULL,
	`provider_id` text NOT NULL,
	`starts_at` integer NOT NULL,
	`ends_at` integer NOT NULL,
	`duration_minutes` integer NOT NULL,
	`session_type` text NOT NULL,
	`max_participants` integer NOT NULL,
	`seats_taken` integer DEFAULT 0 NOT NULL,
	`status` text DEFAULT 'OPEN' NOT NULL,
	`price_amount` integer NOT NULL,
	`currency` text NOT NULL,
	`pattern_id` text,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`provider_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `slots_provider_start` ON `slots` (`provider_id`,`starts_at`);--> statement-breakpoint
CREATE INDEX `slots_start` ON `slots` (`starts_at`);--> statement-breakpoint
CREATE INDEX `slots_pattern` ON `slots` (`pattern_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `slots_pattern_start_unique` ON `slots` (`pattern_id`,`starts_at`) WHERE pattern_id IS NOT NULL;--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`email` text NOT NULL,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`timezone` text NOT NULL,
	`password_hash` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_unique` ON `users` (`email`);