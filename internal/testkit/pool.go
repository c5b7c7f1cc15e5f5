package testkit

import (
	"context"
	"database/sql"
	"testing"
	"time"
)

// HoldConnections takes every connection of p, as a burst of slow requests
// would, until release is called or the test ends.
func HoldConnections(t testing.TB, p *sql.DB) (release func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var held []*sql.Conn
	release = func() {
		for _, c := range held {
			c.Close()
		}
		held = nil
	}
	t.Cleanup(release)
	for range p.Stats().MaxOpenConnections {
		c, err := p.Conn(ctx)
		if err != nil {
			t.Fatalf("hold a connection: %v", err)
		}
		held = append(held, c)
	}
	return release
}
