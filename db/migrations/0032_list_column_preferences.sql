CREATE TABLE "list_column_preferences" (
	"org_id" uuid NOT NULL,
	"administrator_id" uuid NOT NULL,
	"list" text NOT NULL,
	"hidden" text[] DEFAULT '{}'::text[] NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "list_column_preferences_administrator_id_list_pk" PRIMARY KEY("administrator_id","list"),
	CONSTRAINT "list_column_preferences_hidden_size" CHECK (cardinality("list_column_preferences"."hidden") <= 30)
);
--> statement-breakpoint
ALTER TABLE "list_column_preferences" ADD CONSTRAINT "list_column_preferences_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "list_column_preferences" ADD CONSTRAINT "list_column_preferences_administrator_id_administrators_id_fk" FOREIGN KEY ("administrator_id") REFERENCES "public"."administrators"("id") ON DELETE cascade ON UPDATE no action;