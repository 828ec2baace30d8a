package crier

// Tx is a store's open transaction as it hands it to the job engine, so that
// a post, its deliveries and their jobs are written together or not at all.
// Services pass it through without looking inside: the store and the job
// engine agree on what it is (a *sql.Tx with SQLite and riversqlite, a pgx.Tx
// with PostgreSQL and riverpgxv5).
type Tx any
