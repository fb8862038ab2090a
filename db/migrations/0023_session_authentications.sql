CREATE TABLE "administrator_session_authentications" (
	"session_id" uuid PRIMARY KEY NOT NULL,
	"administrator_id" uuid NOT NULL,
	"amr" text[] NOT NULL,
	"authenticated_at" timestamp with time zone NOT NULL,
	"signed_in_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "administrator_session_authentications" ADD CONSTRAINT "administrator_session_authentications_administrator_id_administrators_id_fk" FOREIGN KEY ("administrator_id") REFERENCES "public"."administrators"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "administrator_session_authentications_admin_idx" ON "administrator_session_authentications" USING btree ("administrator_id","signed_in_at");