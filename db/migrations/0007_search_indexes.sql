CREATE INDEX "outbox_messages_provider_idx" ON "outbox_messages" USING btree ("provider_id");--> statement-breakpoint
CREATE INDEX "delivery_events_message_id_trgm" ON "delivery_events" USING gin ("message_id" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "delivery_events_remote_server_trgm" ON "delivery_events" USING gin ("remote_server" gin_trgm_ops);