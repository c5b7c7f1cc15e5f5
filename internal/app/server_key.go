package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"

	"troupe/internal/store"
)

// keyState holds the server keys once read.
type keyState struct {
	keyMu sync.Mutex
	keys  map[string][]byte
}

// serverKey returns the signing key called name, made once and shared by
// every instance through the database, and read once per process.
func (a *App) serverKey(ctx context.Context, name string) ([]byte, error) {
	a.keyMu.Lock()
	defer a.keyMu.Unlock()
	if k, ok := a.keys[name]; ok {
		return k, nil
	}
	var v string
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		var err error
		v, err = tx.ServerKey(ctx, name, func() string {
			var b [32]byte
			rand.Read(b[:])
			return hex.EncodeToString(b[:])
		}, a.now())
		return err
	})
	if err != nil {
		return nil, err
	}
	key, err := hex.DecodeString(v)
	if err != nil {
		return nil, fmt.Errorf("%s key: %w", name, err)
	}
	if a.keys == nil {
		a.keys = map[string][]byte{}
	}
	a.keys[name] = key
	return key, nil
}
