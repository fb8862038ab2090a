CREATE TABLE "organisation_keys" (
	"org_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"version" integer NOT NULL,
	"provider" text NOT NULL,
	"wrapped_key" "bytea",
	"kms_key_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"retired_at" timestamp with time zone,
	CONSTRAINT "organisation_keys_org_id_kind_version_pk" PRIMARY KEY("org_id","kind","version"),
	CONSTRAINT "organisation_keys_version_positive" CHECK ("organisation_keys"."version" >= 1),
	CONSTRAINT "organisation_keys_kms_wrapped" CHECK (("organisation_keys"."provider" = 'kms') = ("organisation_keys"."wrapped_key" is not null))
);
--> statement-breakpoint
ALTER TABLE "organisation_keys" ADD CONSTRAINT "organisation_keys_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "organisation_keys_current_idx" ON "organisation_keys" USING btree ("org_id","kind","version") WHERE "organisation_keys"."retired_at" is null;