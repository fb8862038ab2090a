CREATE TABLE "domain_sign_ins" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"state_hash" text NOT NULL,
	"org_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"nonce" text NOT NULL,
	"code_verifier" text NOT NULL,
	"return_to" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"account_id" uuid,
	"ticket_hash" text,
	"redeemed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "identity_providers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"issuer" text NOT NULL,
	"client_id" text NOT NULL,
	"client_secret_encrypted" text NOT NULL,
	"domains" text[] NOT NULL,
	"required_for_administrators" boolean DEFAULT false NOT NULL,
	"required_for_internal_users" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" text NOT NULL,
	CONSTRAINT "identity_providers_domains" CHECK (cardinality("identity_providers"."domains") > 0)
);
--> statement-breakpoint
ALTER TABLE "domain_sign_ins" ADD CONSTRAINT "domain_sign_ins_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "identity_providers" ADD CONSTRAINT "identity_providers_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "domain_sign_ins_state_key" ON "domain_sign_ins" USING btree ("state_hash");--> statement-breakpoint
CREATE INDEX "domain_sign_ins_expires_idx" ON "domain_sign_ins" USING btree ("expires_at");--> statement-breakpoint
CREATE UNIQUE INDEX "identity_providers_org_key" ON "identity_providers" USING btree ("org_id");