CREATE TABLE "dkim_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"domain_id" uuid NOT NULL,
	"selector" text NOT NULL,
	"bits" integer NOT NULL,
	"public_key" text NOT NULL,
	"private_key" text,
	"status" text DEFAULT 'active' NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"retired_at" timestamp with time zone,
	CONSTRAINT "dkim_keys_active_has_private_key" CHECK ("dkim_keys"."status" <> 'active' or "dkim_keys"."private_key" is not null)
);
--> statement-breakpoint
ALTER TABLE "organisations" ADD COLUMN "inbound_route_host" text;--> statement-breakpoint
ALTER TABLE "organisations" ADD COLUMN "inbound_route_port" integer;--> statement-breakpoint
ALTER TABLE "organisations" ADD COLUMN "inbound_route_tls" text DEFAULT 'verified' NOT NULL;--> statement-breakpoint
ALTER TABLE "gateway_messages" ADD COLUMN "deliver_to" text DEFAULT 'recipient_mx' NOT NULL;--> statement-breakpoint
ALTER TABLE "gateway_messages" ADD COLUMN "reply_home_of" uuid;--> statement-breakpoint
ALTER TABLE "dkim_keys" ADD CONSTRAINT "dkim_keys_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dkim_keys" ADD CONSTRAINT "dkim_keys_domain_id_domains_id_fk" FOREIGN KEY ("domain_id") REFERENCES "public"."domains"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "dkim_keys_domain_selector_key" ON "dkim_keys" USING btree ("domain_id","selector");--> statement-breakpoint
CREATE UNIQUE INDEX "dkim_keys_one_active_key" ON "dkim_keys" USING btree ("domain_id") WHERE "dkim_keys"."status" = 'active';--> statement-breakpoint
CREATE INDEX "dkim_keys_org_idx" ON "dkim_keys" USING btree ("org_id");--> statement-breakpoint
CREATE UNIQUE INDEX "gateway_messages_reply_home_key" ON "gateway_messages" USING btree ("reply_home_of") WHERE "gateway_messages"."reply_home_of" is not null;--> statement-breakpoint
ALTER TABLE "organisations" ADD CONSTRAINT "organisations_inbound_route_pair" CHECK (("organisations"."inbound_route_host" is null) = ("organisations"."inbound_route_port" is null));--> statement-breakpoint
ALTER TABLE "organisations" ADD CONSTRAINT "organisations_inbound_route_port" CHECK ("organisations"."inbound_route_port" between 1 and 65535);