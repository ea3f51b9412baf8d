package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// stmtCache holds statements prepared once on the write pool. Its single
// connection then parses each statement's SQL once, where the driver
// would otherwise parse it at every execution: ingest runs the same few
// statements thousands of times a cycle. Statements are prepared outside
// any transaction, since preparing needs the connection a transaction
// holds.
type stmtCache struct {
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

// prepare makes sure each query has a prepared statement. The lock is not
// held while preparing, which waits for the connection, lest a transaction
// holding the connection wait for the lock.
func (c *stmtCache) prepare(ctx context.Context, db *sql.DB, queries ...string) error {
	for _, q := range queries {
		if c.get(q) != nil {
			continue
		}
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare %.40q: %w", q, err)
		}
		c.mu.Lock()
		if c.stmts == nil {
			c.stmts = map[string]*sql.Stmt{}
		}
		if c.stmts[q] == nil {
			c.stmts[q], st = st, nil
		}
		c.mu.Unlock()
		if st != nil {
			st.Close() // prepared meanwhile by another caller
		}
	}
	return nil
}

// exec runs query in tx, with its prepared statement when there is one.
func (c *stmtCache) exec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	if st := c.get(query); st != nil {
		return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, query, args...)
}

// query is exec for a statement that returns rows.
func (c *stmtCache) query(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Rows, error) {
	if st := c.get(query); st != nil {
		return tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return tx.QueryContext(ctx, query, args...)
}

func (c *stmtCache) get(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stmts[query]
}
