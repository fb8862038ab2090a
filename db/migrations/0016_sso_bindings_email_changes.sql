CREATE TABLE "administrator_email_changes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"administrator_id" uuid NOT NULL,
	"new_email" "citext" NOT NULL,
	"token_hash" text NOT NULL,
	"requested_by" text NOT NULL,
	"requested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "domain_identities" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"administrator_id" uuid,
	"portal_user_id" uuid,
	"issuer" text NOT NULL,
	"subject" text NOT NULL,
	"linked_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "domain_identities_one_account" CHECK (("domain_identities"."kind" = 'administrator' and "domain_identities"."administrator_id" is not null and "domain_identities"."portal_user_id" is null) or ("domain_identities"."kind" = 'portal_user' and "domain_identities"."portal_user_id" is not null and "domain_identities"."administrator_id" is null))
);
--> statement-breakpoint
ALTER TABLE "administrator_email_changes" ADD CONSTRAINT "administrator_email_changes_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "administrator_email_changes" ADD CONSTRAINT "administrator_email_changes_administrator_id_administrators_id_fk" FOREIGN KEY ("administrator_id") REFERENCES "public"."administrators"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "domain_identities" ADD CONSTRAINT "domain_identities_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "domain_identities" ADD CONSTRAINT "domain_identities_administrator_id_administrators_id_fk" FOREIGN KEY ("administrator_id") REFERENCES "public"."administrators"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "domain_identities" ADD CONSTRAINT "domain_identities_portal_user_id_portal_users_id_fk" FOREIGN KEY ("portal_user_id") REFERENCES "public"."portal_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "administrator_email_changes_admin_key" ON "administrator_email_changes" USING btree ("administrator_id");--> statement-breakpoint
CREATE UNIQUE INDEX "administrator_email_changes_token_key" ON "administrator_email_changes" USING btree ("token_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "domain_identities_administrator_key" ON "domain_identities" USING btree ("administrator_id");--> statement-breakpoint
CREATE UNIQUE INDEX "domain_identities_portal_user_key" ON "domain_identities" USING btree ("portal_user_id");--> statement-breakpoint
CREATE INDEX "domain_identities_org_idx" ON "domain_identities" USING btree ("org_id");