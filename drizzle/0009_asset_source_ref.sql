-- Where an imported asset came from (`anthias:<asset_id>`), so importing the same source again
-- updates it. Rows made through the API have none; NULLs never collide in a unique index. The
-- column inherits the table's grants to anthias_app, so no RLS or grant change is needed.
ALTER TABLE "assets" ADD COLUMN "source_ref" text;--> statement-breakpoint
CREATE UNIQUE INDEX "assets_tenant_source_ref_idx" ON "assets" USING btree ("tenant_id","source_ref");
