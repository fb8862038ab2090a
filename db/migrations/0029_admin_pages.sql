CREATE TABLE "policy_change_requests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"policy_id" uuid,
	"policy_name" text DEFAULT '' NOT NULL,
	"requested_by_id" uuid,
	"requested_by_email" text NOT NULL,
	"details" text NOT NULL,
	"state" text DEFAULT 'sent' NOT NULL,
	"requested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "policy_change_requests" ADD CONSTRAINT "policy_change_requests_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policy_change_requests" ADD CONSTRAINT "policy_change_requests_policy_id_policies_id_fk" FOREIGN KEY ("policy_id") REFERENCES "public"."policies"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policy_change_requests" ADD CONSTRAINT "policy_change_requests_requested_by_id_administrators_id_fk" FOREIGN KEY ("requested_by_id") REFERENCES "public"."administrators"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "policy_change_requests_org_time_idx" ON "policy_change_requests" USING btree ("org_id","requested_at");--> statement-breakpoint
CREATE INDEX "audit_events_text_trgm" ON "audit_events" USING gin (("summary" || ' ' || "target_label") gin_trgm_ops);