CREATE TABLE "gateway_message_ids" (
	"connector_id" uuid NOT NULL,
	"header_message_id" text NOT NULL,
	"gateway_message_id" uuid NOT NULL,
	"first_seen_at" timestamp with time zone NOT NULL,
	CONSTRAINT "gateway_message_ids_connector_id_header_message_id_pk" PRIMARY KEY("connector_id","header_message_id")
);
--> statement-breakpoint
CREATE TABLE "gateway_messages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"connector_id" uuid,
	"envelope_from" text NOT NULL,
	"header_message_id" text DEFAULT '' NOT NULL,
	"subject" text DEFAULT '' NOT NULL,
	"size_bytes" bigint NOT NULL,
	"sha256" text NOT NULL,
	"storage_key" text NOT NULL,
	"client_address" text DEFAULT '' NOT NULL,
	"status" text DEFAULT 'received' NOT NULL,
	"failure" text DEFAULT '' NOT NULL,
	"sender_unlicensed" boolean DEFAULT false NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"processed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "gateway_recipients" (
	"gateway_message_id" uuid NOT NULL,
	"org_id" uuid NOT NULL,
	"address" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"policy_id" uuid,
	"outcome" text,
	"tls_required" boolean DEFAULT false NOT NULL,
	"secure_message_id" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "gateway_recipients_gateway_message_id_address_pk" PRIMARY KEY("gateway_message_id","address"),
	CONSTRAINT "gateway_recipients_address_lower" CHECK ("gateway_recipients"."address" = lower("gateway_recipients"."address"))
);
--> statement-breakpoint
CREATE TABLE "mail_connector_counters" (
	"connector_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"minute" timestamp with time zone NOT NULL,
	"count" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "mail_connector_counters_connector_id_kind_minute_pk" PRIMARY KEY("connector_id","kind","minute")
);
--> statement-breakpoint
CREATE TABLE "mail_connectors" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"name" text NOT NULL,
	"smtp_username" text,
	"secret_hash" text,
	"allowed_ranges" text[] DEFAULT '{}'::text[] NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	CONSTRAINT "mail_connectors_username_lower" CHECK ("mail_connectors"."smtp_username" = lower("mail_connectors"."smtp_username")),
	CONSTRAINT "mail_connectors_auth_pair" CHECK (("mail_connectors"."smtp_username" is null) = ("mail_connectors"."secret_hash" is null))
);
--> statement-breakpoint
CREATE TABLE "mx_tls_cache" (
	"domain" text PRIMARY KEY NOT NULL,
	"supports_tls" boolean NOT NULL,
	"checked_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "policy_group_members" (
	"group_id" uuid NOT NULL,
	"org_id" uuid NOT NULL,
	"email" text NOT NULL,
	CONSTRAINT "policy_group_members_group_id_email_pk" PRIMARY KEY("group_id","email"),
	CONSTRAINT "policy_group_members_email_lower" CHECK ("policy_group_members"."email" = lower("policy_group_members"."email"))
);
--> statement-breakpoint
CREATE TABLE "policy_groups" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "secure_messages" ADD COLUMN "connector_id" uuid;--> statement-breakpoint
ALTER TABLE "gateway_message_ids" ADD CONSTRAINT "gateway_message_ids_connector_id_mail_connectors_id_fk" FOREIGN KEY ("connector_id") REFERENCES "public"."mail_connectors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gateway_messages" ADD CONSTRAINT "gateway_messages_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gateway_messages" ADD CONSTRAINT "gateway_messages_connector_id_mail_connectors_id_fk" FOREIGN KEY ("connector_id") REFERENCES "public"."mail_connectors"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gateway_recipients" ADD CONSTRAINT "gateway_recipients_gateway_message_id_gateway_messages_id_fk" FOREIGN KEY ("gateway_message_id") REFERENCES "public"."gateway_messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gateway_recipients" ADD CONSTRAINT "gateway_recipients_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gateway_recipients" ADD CONSTRAINT "gateway_recipients_policy_id_policies_id_fk" FOREIGN KEY ("policy_id") REFERENCES "public"."policies"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mail_connector_counters" ADD CONSTRAINT "mail_connector_counters_connector_id_mail_connectors_id_fk" FOREIGN KEY ("connector_id") REFERENCES "public"."mail_connectors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mail_connectors" ADD CONSTRAINT "mail_connectors_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policy_group_members" ADD CONSTRAINT "policy_group_members_group_id_policy_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."policy_groups"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policy_group_members" ADD CONSTRAINT "policy_group_members_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policy_groups" ADD CONSTRAINT "policy_groups_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "gateway_message_ids_seen_idx" ON "gateway_message_ids" USING btree ("first_seen_at");--> statement-breakpoint
CREATE INDEX "gateway_messages_org_received_idx" ON "gateway_messages" USING btree ("org_id","received_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "gateway_messages_storage_key" ON "gateway_messages" USING btree ("storage_key");--> statement-breakpoint
CREATE INDEX "gateway_recipients_awaiting_idx" ON "gateway_recipients" USING btree ("updated_at") WHERE "gateway_recipients"."status" = 'queued_for_delivery';--> statement-breakpoint
CREATE INDEX "mail_connector_counters_minute_idx" ON "mail_connector_counters" USING btree ("minute");--> statement-breakpoint
CREATE UNIQUE INDEX "mail_connectors_username_key" ON "mail_connectors" USING btree ("smtp_username");--> statement-breakpoint
CREATE INDEX "mail_connectors_org_idx" ON "mail_connectors" USING btree ("org_id");--> statement-breakpoint
CREATE INDEX "policy_group_members_org_email_idx" ON "policy_group_members" USING btree ("org_id","email");--> statement-breakpoint
CREATE UNIQUE INDEX "policy_groups_org_name_key" ON "policy_groups" USING btree ("org_id",lower("name"));--> statement-breakpoint
ALTER TABLE "secure_messages" ADD CONSTRAINT "secure_messages_connector_id_mail_connectors_id_fk" FOREIGN KEY ("connector_id") REFERENCES "public"."mail_connectors"("id") ON DELETE set null ON UPDATE no action;