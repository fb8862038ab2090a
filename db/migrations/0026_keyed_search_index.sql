CREATE TABLE "message_party_orgs" (
	"user_id" uuid NOT NULL,
	"org_id" uuid NOT NULL,
	CONSTRAINT "message_party_orgs_user_id_org_id_pk" PRIMARY KEY("user_id","org_id")
);
--> statement-breakpoint
CREATE TABLE "message_search_tokens" (
	"message_id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"tokens" bigint[] NOT NULL
);
--> statement-breakpoint
DROP INDEX "secure_messages_search_idx";--> statement-breakpoint
ALTER TABLE "message_party_orgs" ADD CONSTRAINT "message_party_orgs_user_id_portal_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."portal_users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_party_orgs" ADD CONSTRAINT "message_party_orgs_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_search_tokens" ADD CONSTRAINT "message_search_tokens_message_id_secure_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."secure_messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_search_tokens" ADD CONSTRAINT "message_search_tokens_org_id_organisations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organisations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "message_party_orgs_org_idx" ON "message_party_orgs" USING btree ("org_id");--> statement-breakpoint
CREATE INDEX "message_search_tokens_gin" ON "message_search_tokens" USING gin ("tokens");--> statement-breakpoint
ALTER TABLE "secure_messages" DROP COLUMN "search";
-- custom sql begin (keyed_search)
-- Who has messages with which organisation (a search computes its tokens under each one's key).
-- The tokens themselves need the organisations' keys: `reindexMessages` (lib/messaging/search-index.ts)
-- builds them, from `npm run db:migrate`, `npm start` or `npm run search-index -- reindex`.
INSERT INTO "message_party_orgs" ("user_id", "org_id")
  SELECT "sender_id", "org_id" FROM "secure_messages"
  UNION
  SELECT r."user_id", m."org_id" FROM "message_recipients" r JOIN "secure_messages" m ON m."id" = r."message_id"
ON CONFLICT DO NOTHING;
-- custom sql end (keyed_search)
