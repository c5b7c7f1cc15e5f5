// Package password hashes and checks passwords with argon2id, bounding how
// many hashes run at once so a burst of sign-ins cannot starve the server,
// and keeping visitors' guesses at share pages to slots of their own so
// they never take those of sign-ins.
package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// DefaultParams are OWASP's recommended argon2id settings (19 MiB, t=2,
// p=1), the low-memory option of RFC 9106 scaled for a server that hashes
// on demand.
var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1}

const (
	saltLen = 16
	keyLen  = 32
)

// ErrMismatch means the password does not match the hash.
var ErrMismatch = errors.New("password mismatch")

// Hasher hashes passwords with at most a fixed number running at once.
type Hasher struct {
	params Params
	slots  slots
	// guesses are the slots of VerifyGuess: separate, so that a flood of
	// guesses queues behind itself, never in front of a sign-in. A guess
	// also waits to start while any account's hash or sign-in is under way
	// (see Hold), so that on a small machine a sign-in has the cores to
	// itself but for the end of at most one guess; and each guess keeps
	// its slot idle three times as long as it hashed, so that guesses take
	// at most a quarter of a core per slot and most sign-ins find none
	// under way.
	guesses   slots
	accounts  accounts
	dummyOnce sync.Once
	dummy     string
}

// accounts counts the account hashes waiting or running, and wakes the
// guesses when there are none.
type accounts struct {
	mu   sync.Mutex
	n    int
	none chan struct{} // closed while n == 0
}

func (a *accounts) begin() {
	a.mu.Lock()
	if a.n == 0 {
		a.none = make(chan struct{})
	}
	a.n++
	a.mu.Unlock()
}

func (a *accounts) end() {
	a.mu.Lock()
	a.n--
	if a.n == 0 {
		close(a.none)
	}
	a.mu.Unlock()
}

// wait returns once no account hash waits or runs.
func (a *accounts) wait(ctx context.Context) error {
	for {
		a.mu.Lock()
		n, none := a.n, a.none
		a.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-none:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// NewHasher returns a Hasher allowing concurrency simultaneous hashes for
// accounts, and half as many (at least one) for guesses at share pages.
func NewHasher(params Params, concurrency int) *Hasher {
	concurrency = max(concurrency, 1)
	return &Hasher{params: params, slots: make(slots, concurrency), guesses: make(slots, max(concurrency/2, 1))}
}

// slots bounds how many hashes run at once.
type slots chan struct{}

func (s slots) acquire(ctx context.Context) error {
	select {
	case s <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s slots) release() { <-s }

// Hash returns the PHC-format argon2id hash of password.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	h.accounts.begin()
	defer h.accounts.end()
	if err := h.slots.acquire(ctx); err != nil {
		return "", err
	}
	defer h.slots.release()
	return h.hash([]byte(password)), nil
}

func (h *Hasher) hash(password []byte) string {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	key := argon2.IDKey(password, salt, h.params.Time, h.params.Memory, h.params.Threads, keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		h.params.Memory, h.params.Time, h.params.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// Verify checks password against encoded. It returns ErrMismatch for a
// wrong password. An empty encoded hash is checked against a dummy so the
// time taken does not reveal whether an account exists.
func (h *Hasher) Verify(ctx context.Context, encoded, password string) error {
	h.accounts.begin()
	defer h.accounts.end()
	if err := h.slots.acquire(ctx); err != nil {
		return err
	}
	defer h.slots.release()
	return h.verify(encoded, password)
}

// VerifyGuess is Verify for a visitor's guess at a share page's password:
// in the guesses' own slots, once no account's hash is waiting or running.
func (h *Hasher) VerifyGuess(ctx context.Context, encoded, password string) error {
	if err := h.guesses.acquire(ctx); err != nil {
		return err
	}
	if err := h.accounts.wait(ctx); err != nil {
		h.guesses.release()
		return err
	}
	start := time.Now()
	err := h.verify(encoded, password)
	time.AfterFunc(guessRest*time.Since(start), h.guesses.release)
	return err
}

// guessRest is how many times its hashing time a guess's slot stays idle.
const guessRest = 3

// Hold tells the hasher that a sign-in is under way, from its first
// database look-up to its session: guesses wait until release is called.
func (h *Hasher) Hold() (release func()) {
	h.accounts.begin()
	return h.accounts.end
}

func (h *Hasher) verify(encoded, password string) error {
	if encoded == "" {
		// Made on first use: hashing at start would hold the hash's
		// memory in an idle process.
		h.dummyOnce.Do(func() { h.dummy = h.hash([]byte("not a real password")) })
		_, _ = verify(h.dummy, []byte(password))
		return ErrMismatch
	}
	ok, err := verify(encoded, []byte(password))
	if err != nil {
		return err
	}
	if !ok {
		return ErrMismatch
	}
	return nil
}

func verify(encoded string, password []byte) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("password: unknown hash format")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errors.New("password: unsupported argon2 version")
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false, fmt.Errorf("password: bad parameters: %w", err)
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, fmt.Errorf("password: bad salt: %w", err)
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil {
		return false, fmt.Errorf("password: bad key: %w", err)
	}
	got := argon2.IDKey(password, salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
