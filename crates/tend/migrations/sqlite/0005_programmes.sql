-- Programme insight (issue 17): a wellbeing picture for a school built from
-- group totals. Nothing here names a student: membership and what a student
-- contributed live only in their own sealed records, and the totals hold sums
-- per calendar month, never a person, a row per person or a finer time.

CREATE TABLE programmes (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    -- What a student types to join, like a circle invite.
    code TEXT NOT NULL UNIQUE,
    -- Cells with fewer contributors are never released (at least 5).
    k BIGINT NOT NULL,
    resources TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Leads are staff appointed by a server admin; they see released figures only.
CREATE TABLE programme_leads (
    programme_id TEXT NOT NULL REFERENCES programmes(id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    PRIMARY KEY (programme_id, account_id)
);
CREATE INDEX programme_leads_by_account ON programme_leads(account_id);

-- Sums per programme, month (YYYY-MM) and cell (a measure, `participation`,
-- or a pair `x~y` for correlations). Whole numbers, so adding and taking back
-- a contribution is exact.
CREATE TABLE programme_totals (
    programme_id TEXT NOT NULL REFERENCES programmes(id) ON DELETE CASCADE,
    period TEXT NOT NULL,
    cell TEXT NOT NULL,
    n BIGINT NOT NULL,
    sx BIGINT NOT NULL,
    sxx BIGINT NOT NULL,
    sy BIGINT NOT NULL,
    syy BIGINT NOT NULL,
    sxy BIGINT NOT NULL,
    flagged BIGINT NOT NULL,
    PRIMARY KEY (programme_id, period, cell)
);

-- Released (noisy) figures, computed once per month and stage and kept, so
-- asking again gives the same answer. `body` is the release as JSON.
CREATE TABLE programme_releases (
    programme_id TEXT NOT NULL REFERENCES programmes(id) ON DELETE CASCADE,
    period TEXT NOT NULL,
    stage TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (programme_id, period, stage)
);
