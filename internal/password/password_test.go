package password

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestHashAndVerify(t *testing.T) {
	h := NewHasher(Params{Memory: 1024, Time: 1, Threads: 1}, 2)
	ctx := context.Background()
	enc, err := h.Hash(ctx, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("unexpected encoding %q", enc)
	}
	if err := h.Verify(ctx, enc, "correct horse battery"); err != nil {
		t.Fatalf("right password refused: %v", err)
	}
	if err := h.Verify(ctx, enc, "wrong horse battery"); !errors.Is(err, ErrMismatch) {
		t.Fatalf("wrong password: got %v, want ErrMismatch", err)
	}
	if err := h.Verify(ctx, "", "anything at all"); !errors.Is(err, ErrMismatch) {
		t.Fatalf("empty hash: got %v, want ErrMismatch", err)
	}
	if err := h.Verify(ctx, "$bcrypt$x", "anything"); err == nil || errors.Is(err, ErrMismatch) {
		t.Fatalf("foreign format: got %v, want a format error", err)
	}
	other, _ := h.Hash(ctx, "correct horse battery")
	if other == enc {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
}

func TestVerifyHonoursStoredParams(t *testing.T) {
	old := NewHasher(Params{Memory: 512, Time: 1, Threads: 1}, 1)
	enc, _ := old.Hash(context.Background(), "a password here")
	current := NewHasher(Params{Memory: 2048, Time: 2, Threads: 1}, 1)
	if err := current.Verify(context.Background(), enc, "a password here"); err != nil {
		t.Fatalf("hash made with older parameters refused: %v", err)
	}
}

func TestConcurrencyBoundHonoursContext(t *testing.T) {
	h := NewHasher(Params{Memory: 1024, Time: 1, Threads: 1}, 1)
	h.slots <- struct{}{} // the only slot is busy
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Hash(ctx, "some password"); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled while every slot is busy", err)
	}
}

func BenchmarkHashDefault(b *testing.B) {
	h := NewHasher(DefaultParams, 1)
	ctx := context.Background()
	for b.Loop() {
		if _, err := h.Hash(ctx, "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

func TestGuessesHaveSlotsOfTheirOwn(t *testing.T) {
	h := NewHasher(Params{Memory: 1024, Time: 1, Threads: 1}, 4)
	ctx := context.Background()
	enc, _ := h.Hash(ctx, "correct horse battery")
	if cap(h.guesses) != 2 {
		t.Fatalf("%d slots for guesses, want half of 4", cap(h.guesses))
	}
	// Every guess slot busy: sign-ins still hash at once.
	for range cap(h.guesses) {
		h.guesses <- struct{}{}
	}
	if err := h.Verify(ctx, enc, "correct horse battery"); err != nil {
		t.Fatalf("sign-in waited for guesses: %v", err)
	}
	busy, cancel := context.WithCancel(ctx)
	cancel()
	if err := h.VerifyGuess(busy, enc, "correct horse battery"); !errors.Is(err, context.Canceled) {
		t.Fatalf("a guess got %v with every guess slot busy, want to wait", err)
	}
	for range cap(h.guesses) {
		<-h.guesses
	}
	// Every sign-in slot busy: guesses still hash, in their own.
	for range cap(h.slots) {
		h.slots <- struct{}{}
	}
	if err := h.VerifyGuess(ctx, enc, "wrong horse battery"); !errors.Is(err, ErrMismatch) {
		t.Fatalf("guess: %v", err)
	}
	if err := h.Verify(busy, enc, "correct horse battery"); !errors.Is(err, context.Canceled) {
		t.Fatalf("a sign-in got %v with every sign-in slot busy, want to wait", err)
	}
	for range cap(h.slots) {
		<-h.slots
	}
}

func TestGuessesYieldToSignIns(t *testing.T) {
	h := NewHasher(Params{Memory: 1024, Time: 1, Threads: 1}, 2)
	ctx := context.Background()
	enc, _ := h.Hash(ctx, "correct horse battery")
	// A sign-in's hash waits or runs: a guess does not start.
	h.accounts.begin()
	started := make(chan error, 1)
	go func() { started <- h.VerifyGuess(ctx, enc, "wrong horse battery") }()
	select {
	case err := <-started:
		t.Fatalf("a guess was hashed during a sign-in: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	h.accounts.end()
	select {
	case err := <-started:
		if !errors.Is(err, ErrMismatch) {
			t.Fatalf("guess: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the guess still waits after the sign-in")
	}
}

func TestGuessesKeepToTheirBudget(t *testing.T) {
	h := NewHasher(Params{Memory: 8 * 1024, Time: 2, Threads: 1}, 2) // one guess slot
	ctx := context.Background()
	enc, _ := h.Hash(ctx, "correct horse battery")
	start := time.Now()
	h.VerifyGuess(ctx, enc, "wrong horse battery")
	hashed := time.Since(start)
	// The next guess waits for the slot's idle time, three times as long.
	start = time.Now()
	h.VerifyGuess(ctx, enc, "wrong horse battery")
	if second := time.Since(start); second < 3*hashed {
		t.Fatalf("second guess took %v, the first hashed in %v: the slot was not kept idle", second, hashed)
	}
	// A sign-in under way holds guesses back from its start to its end.
	release := h.Hold()
	time.Sleep(4 * hashed) // the slot is free again
	done := make(chan struct{})
	go func() { h.VerifyGuess(ctx, enc, "wrong horse battery"); close(done) }()
	select {
	case <-done:
		t.Fatal("a guess was hashed during a sign-in")
	case <-time.After(100 * time.Millisecond):
	}
	release()
	<-done
}
