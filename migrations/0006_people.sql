CREATE TABLE `conversation_reads` (
	`conversation_id` text NOT NULL,
	`user_id` text NOT NULL,
	`last_read_at` integer NOT NULL,
	PRIMARY KEY(`conversation_id`, `user_id`),
	FOREIGN KEY (`conversation_id`) REFERENCES `conversations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `provider_profiles` ADD `headline` text;--> statement-breakpoint
ALTER TABLE `provider_profiles` ADD `subjects` text;--> statement-breakpoint
ALTER TABLE `provider_profiles` ADD `languages` text;--> statement-breakpoint
ALTER TABLE `provider_profiles` ADD `photo_key` text;--> statement-breakpoint
ALTER TABLE `users` ADD `locale` text DEFAULT 'en-US' NOT NULL;