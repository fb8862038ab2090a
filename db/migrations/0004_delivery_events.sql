CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE TABLE "delivery_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "delivery_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"org_id" uuid NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"message_id" text NOT NULL,
	"sender" text NOT NULL,
	"recipient" text NOT NULL,
	"event" text NOT NULL,
	"method" text NOT NULL,
	"remote_server" text DEFAULT '' NOT NULL,
	"smtp_code" integer,
	"enhanced_code" text DEFAULT '' NOT NULL,
	"diagnostic" text DEFAULT '' NOT NULL,
	"bounce_class" text,
	"source" text DEFAULT 'ingest' NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "delivery_events" ADD CONSTRAINT "delivery_events_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "delivery_events_org_time_idx" ON "delivery_events" USING btree ("org_id","occurred_at","id");--> statement-breakpoint
CREATE INDEX "delivery_events_sender_trgm" ON "delivery_events" USING gin ("sender" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "delivery_events_recipient_trgm" ON "delivery_events" USING gin ("recipient" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "delivery_events_diagnostic_trgm" ON "delivery_events" USING gin ("diagnostic" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "delivery_events_org_message_idx" ON "delivery_events" USING btree ("org_id","message_id");