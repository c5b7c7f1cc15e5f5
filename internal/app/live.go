package app

import (
	"context"
	"sync"
	"time"

	"troupe/internal/troupe"
)

// livePoll is how often an instance looks for new notifications. Every
// instance reads the same table, so a notification created on one reaches
// browsers connected to any other.
const livePoll = time.Second

// live fans notification signals out to the open streams of this
// instance. One poller runs while at least one stream is open.
type live struct {
	mu      sync.Mutex
	subs    map[string]map[chan struct{}]bool
	running bool
}

// WatchNotifications returns a channel that receives a signal whenever the
// actor may have new notifications, until ctx ends.
func (a *App) WatchNotifications(ctx context.Context, actor troupe.User) <-chan struct{} {
	ch := make(chan struct{}, 1)
	l := &a.live
	l.mu.Lock()
	if l.subs == nil {
		l.subs = map[string]map[chan struct{}]bool{}
	}
	if l.subs[actor.ID] == nil {
		l.subs[actor.ID] = map[chan struct{}]bool{}
	}
	l.subs[actor.ID][ch] = true
	if !l.running {
		l.running = true
		go a.pollNotifications()
	}
	l.mu.Unlock()
	go func() {
		<-ctx.Done()
		l.mu.Lock()
		delete(l.subs[actor.ID], ch)
		if len(l.subs[actor.ID]) == 0 {
			delete(l.subs, actor.ID)
		}
		l.mu.Unlock()
	}()
	return ch
}

func (a *App) pollNotifications() {
	l := &a.live
	since := a.now()
	ticker := time.NewTicker(livePoll)
	defer ticker.Stop()
	for range ticker.C {
		l.mu.Lock()
		if len(l.subs) == 0 {
			l.running = false
			l.mu.Unlock()
			return
		}
		l.mu.Unlock()
		// Look a little back: a notification committed late, or on an
		// instance whose clock lags, still gets through. Streams dedupe.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		users, newest, err := a.db.Read().NotifiedUsersSince(ctx, since.Add(-3*time.Second))
		cancel()
		if err != nil {
			continue
		}
		if newest.After(since) {
			since = newest
		}
		l.mu.Lock()
		for id := range users {
			for ch := range l.subs[id] {
				select {
				case ch <- struct{}{}:
				default:
				}
			}
		}
		l.mu.Unlock()
	}
}
