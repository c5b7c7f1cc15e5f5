package app

import (
	"context"
	"sync"

	"troupe/internal/troupe"
)

// live fans the store's word of new notifications (by user) or changed
// comments (by item) out to the open streams of this instance. The store hears of them at commit on SQLite
// and, on PostgreSQL, from whichever instance added them (LISTEN/NOTIFY):
// no instance reads the table to find them.
type live struct {
	mu   sync.Mutex
	subs map[string]map[chan struct{}]bool
}

// WatchNotifications returns a channel that receives a signal whenever the
// actor may have new notifications, until ctx ends.
func (a *App) WatchNotifications(ctx context.Context, actor troupe.User) <-chan struct{} {
	return a.live.watch(ctx, actor.ID)
}

// watch returns a channel that receives a signal whenever key (a user for
// notifications, an item for comments) is signalled, until ctx ends.
func (l *live) watch(ctx context.Context, key string) <-chan struct{} {
	ch := make(chan struct{}, 1)
	l.mu.Lock()
	if l.subs == nil {
		l.subs = map[string]map[chan struct{}]bool{}
	}
	if l.subs[key] == nil {
		l.subs[key] = map[chan struct{}]bool{}
	}
	l.subs[key][ch] = true
	l.mu.Unlock()
	go func() {
		<-ctx.Done()
		l.mu.Lock()
		delete(l.subs[key], ch)
		if len(l.subs[key]) == 0 {
			delete(l.subs, key)
		}
		l.mu.Unlock()
	}()
	return ch
}

// signal wakes the streams of key, or every stream when key is "".
// A stream already woken stays so: it reads once for both.
func (l *live) signal(key string) {
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
	if key != "" {
		wake(l.subs[key])
		return
	}
	for _, chans := range l.subs {
		wake(chans)
	}
}
