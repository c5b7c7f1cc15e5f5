package app

import (
	"context"
	"sync"

	"troupe/internal/troupe"
)

// live fans the store's word of new notifications out to the open
// streams of this instance. The store hears of them at commit on SQLite
// and, on PostgreSQL, from whichever instance added them (LISTEN/NOTIFY):
// no instance reads the table to find them.
type live struct {
	mu   sync.Mutex
	subs map[string]map[chan struct{}]bool
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

// signal wakes the streams of userID, or every stream when userID is "".
// A stream already woken stays so: it reads once for both.
func (l *live) signal(userID string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	wake := func(chans map[chan struct{}]bool) {
		for ch := range chans {
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}
	if userID != "" {
		wake(l.subs[userID])
		return
	}
	for _, chans := range l.subs {
		wake(chans)
	}
}
