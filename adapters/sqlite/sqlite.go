// Package sqlite is crier's store: posts, deliveries and the job tables in one
// SQLite database (mattn/go-sqlite3), with embedded numbered migrations.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/crier-bot/crier/internal/crier"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// dsnOptions: WAL so readers never block the writer; busy_timeout so writers
// wait for each other instead of failing; immediate transactions so a
// transaction that will write takes the write lock at BEGIN (a deferred one
// that upgrades fails with SQLITE_BUSY without waiting); foreign keys on.
const dsnOptions = "_journal_mode=WAL&_busy_timeout=5000&_txlock=immediate&_foreign_keys=on&_synchronous=NORMAL&_stmt_cache_size=128"

// DB is crier's database.
type DB struct {
	db           *sql.DB
	path         string
	clock        crier.Clock
	lock         *os.File
	installation string // random, made with the database; part of every idempotency key

	purgeMu  sync.Mutex
	purgedAt time.Time // when expired seen requests were last deleted
}

// Open opens (creating if needed) the database at path, takes the
// one-crier-per-database lock and applies pending migrations. The database
// holds network sessions (Bluesky's tokens), so it and its WAL and shared
// memory files are readable by their owner only (0600).
func Open(ctx context.Context, path string, clock crier.Clock) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	lock, err := acquireLock(path)
	if err != nil {
		return nil, err
	}
	if err := createPrivate(path); err != nil {
		_ = lock.Close()
		return nil, err
	}
	db, err := openSQL(ctx, path)
	if err != nil {
		_ = lock.Close()
		return nil, err
	}
	d := &DB{db: db, path: path, clock: clock, lock: lock}
	if err := d.migrate(ctx); err != nil {
		_ = d.Close()
		return nil, err
	}
	if err := d.ensureInstallation(ctx); err != nil {
		_ = d.Close()
		return nil, err
	}
	if err := ownerOnly(path); err != nil {
		_ = d.Close()
		return nil, err
	}
	return d, nil
}

// privateMode is the mode of every file that holds crier's data: the
// database, its WAL and shared-memory files, and backups.
const privateMode os.FileMode = 0o600

// createPrivate creates the database file at path, if there is none,
// readable by its owner only, before SQLite opens it: SQLite gives the WAL
// and shared-memory files it creates the database file's mode.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, privateMode)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	return nil
}

// ownerOnly takes access away from others on crier's database, WAL and
// shared-memory files (an older crier created them 0644). It runs once the
// file is known to be crier's, so another program's database is left as it
// was.
func ownerOnly(path string) error {
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("open database: %w", err)
		}
		if fi.Mode().Perm()&^privateMode != 0 {
			if err := os.Chmod(p, privateMode); err != nil {
				return fmt.Errorf("open database: make %s private: %w", p, err)
			}
		}
	}
	return nil
}

// openSQL opens the pool and proves the file is an SQLite database.
func openSQL(ctx context.Context, path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite3", "file:"+path+"?"+dsnOptions)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	// SQLite allows one writer at a time; River's SQLite driver recommends a
	// single connection, which also makes SQLITE_BUSY impossible in-process.
	db.SetMaxOpenConns(1)
	var v int
	if err := db.QueryRowContext(ctx, "PRAGMA schema_version").Scan(&v); err != nil {
		_ = db.Close()
		var se sqlite3.Error
		if errors.As(err, &se) && (se.Code == sqlite3.ErrNotADB || se.Code == sqlite3.ErrCorrupt) {
			return nil, crier.Errorf(crier.EINVALID, "%s is not a crier database (SQLite says: %v). Point database: in bot.yaml at a new file, or restore a backup.", path, se.Code)
		}
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	return db, nil
}

// acquireLock takes an exclusive advisory lock on PATH.lock so that a second
// crier on the same database stops with a clear error instead of racing the
// first one. The kernel drops the lock when the process dies, even on SIGKILL.
func acquireLock(path string) (*os.File, error) {
	f, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock database: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		pid, _ := os.ReadFile(path + ".lock")
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			who := ""
			if p := strings.TrimSpace(string(pid)); p != "" {
				who = " (pid " + p + ")"
			}
			return nil, crier.Errorf(crier.ECONFLICT, "another crier%s is already using %s; stop it first, or point database: in bot.yaml at another file", who, path)
		}
		return nil, fmt.Errorf("lock database: %w", err)
	}
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return f, nil
}

// SQL returns the connection pool, for the job engine that shares the database.
func (d *DB) SQL() *sql.DB { return d.db }

// Path returns the database file's path.
func (d *DB) Path() string { return d.path }

// Close closes the database and releases the lock.
func (d *DB) Close() error {
	err := d.db.Close()
	if d.lock != nil {
		_ = d.lock.Close()
	}
	if err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	return nil
}

// migrate applies the embedded migrations that are not recorded yet, each in
// its own transaction together with its record.
func (d *DB) migrate(ctx context.Context) error {
	var tables, ours int
	if err := d.db.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE name = 'crier_migrations')
		FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).Scan(&tables, &ours); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if tables > 0 && ours == 0 {
		return crier.Errorf(crier.EINVALID, "%s is another program's SQLite database, not crier's; point database: in bot.yaml at a new file", d.path)
	}
	if _, err := d.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS crier_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		base := filepath.Base(name)
		version, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migrate: migration %s has no number", base)
		}
		if err := d.applyMigration(ctx, version, name); err != nil {
			return err
		}
	}
	return nil
}

func (d *DB) applyMigration(ctx context.Context, version int, name string) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", name, err)
	}
	defer func() { _ = tx.Rollback() }()
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM crier_migrations WHERE version = ?", version).Scan(&n); err != nil {
		return fmt.Errorf("migrate %s: %w", name, err)
	}
	if n > 0 {
		return nil
	}
	body, err := migrationFS.ReadFile(name)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", name, err)
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return fmt.Errorf("migrate %s: %w", name, err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO crier_migrations (version, name, applied_at) VALUES (?, ?, ?)",
		version, filepath.Base(name), d.clock.Now().UnixMilli()); err != nil {
		return fmt.Errorf("migrate %s: %w", name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate %s: %w", name, err)
	}
	return nil
}

// Backup copies the live database at src to dst with SQLite's online backup
// API: crier may keep running while it copies. dst must not exist.
func Backup(ctx context.Context, src, dst string) error {
	if _, err := os.Stat(src); err != nil {
		return crier.Errorf(crier.ENOTFOUND, "there is no database at %s; check database: in bot.yaml", src)
	}
	if _, err := os.Stat(dst); err == nil {
		return crier.Errorf(crier.ECONFLICT, "%s already exists; give the backup a new file name", dst)
	}
	srcDB, err := openSQL(ctx, src)
	if err != nil {
		return err
	}
	defer srcDB.Close()
	// The copy holds what the database holds (network sessions): create it
	// private before SQLite writes a byte.
	if err := createPrivate(dst); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := copyDatabase(ctx, srcDB, dst); err != nil {
		_ = os.Remove(dst) // no half copy, and the same name can be tried again
		return fmt.Errorf("backup %s to %s: %w", src, dst, err)
	}
	return nil
}

// copyDatabase copies srcDB into the empty file dst with SQLite's online
// backup API, checks the copy and gives it an installation id of its own.
func copyDatabase(ctx context.Context, srcDB *sql.DB, dst string) error {
	dstDB, err := sql.Open("sqlite3", "file:"+dst)
	if err != nil {
		return err
	}
	defer dstDB.Close()

	srcConn, err := srcDB.Conn(ctx)
	if err != nil {
		return err
	}
	defer srcConn.Close()
	dstConn, err := dstDB.Conn(ctx)
	if err != nil {
		return err
	}
	defer dstConn.Close()

	err = dstConn.Raw(func(dc any) error {
		return srcConn.Raw(func(sc any) error {
			dstSQLite, ok1 := dc.(*sqlite3.SQLiteConn)
			srcSQLite, ok2 := sc.(*sqlite3.SQLiteConn)
			if !ok1 || !ok2 {
				return errors.New("not sqlite3 connections")
			}
			bk, err := dstSQLite.Backup("main", srcSQLite, "main")
			if err != nil {
				return err
			}
			for {
				done, err := bk.Step(256)
				if err != nil {
					_ = bk.Finish()
					return err
				}
				if done {
					break
				}
				select {
				case <-ctx.Done():
					_ = bk.Finish()
					return ctx.Err()
				case <-time.After(time.Millisecond):
				}
			}
			return bk.Finish()
		})
	})
	if err != nil {
		return err
	}
	var check string
	if err := dstConn.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&check); err != nil {
		return fmt.Errorf("check the copy: %w", err)
	}
	if check != "ok" {
		return fmt.Errorf("the copy failed its check: %s", check)
	}
	return renewInstallation(ctx, dstConn)
}

func ms(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

func fromMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMilli(v.Int64).UTC()
}

// collect scans every row with scan and closes rows.
func collect[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// scanInt64 reads a row of one integer.
func scanInt64(row scanner) (int64, error) {
	var v int64
	err := row.Scan(&v)
	return v, err
}
