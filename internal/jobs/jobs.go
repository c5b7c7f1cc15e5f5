// Package jobs runs Troupe's background work — sending mail, cleaning up
// expired rows — on a durable queue kept in the application's database.
// Jobs are inserted in the same transaction as the change that causes them,
// so a crash never loses a mail whose cause was committed.
package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"troupe/internal/mail"
	"troupe/internal/store"
)

// Config tunes the queue.
type Config struct {
	// PollInterval is how often workers look for new jobs. SQLite and
	// database/sql have no LISTEN/NOTIFY, so the queue polls.
	PollInterval time.Duration
	// MailAttempts is how many times a mail is tried before it is dropped.
	MailAttempts int
	// Now is the clock that decides which sessions have ended, the same as
	// the use cases' so that both agree (tests move it); nil is time.Now.
	Now func() time.Time
}

// How long each kind of job may run before its context is cancelled. A job
// still marked running past its kind's timeout belongs to a worker that died
// (a crash, kill -9, a lost machine) and is tried again — within about a
// minute and a half of a restart rather than River's default hour.
const (
	mailTimeout    = 30 * time.Second
	taskTimeout    = 45 * time.Second
	cleanupTimeout = 45 * time.Second
)

// rescueAfter is the shortest timeout and a margin for a job finishing as
// its time runs out. River's rescuer looks for jobs running longer than
// this, then waits for each one's own kind timeout, so a kind with a longer
// timeout is rescued only after it.
const rescueAfter = mailTimeout + 10*time.Second

// Queue inserts and works jobs.
type Queue struct {
	db     *store.DB
	client *river.Client[*sql.Tx]
	tasks  *taskWorker
}

func driver(db *store.DB) riverdriver.Driver[*sql.Tx] {
	if db.Dialect() == store.Postgres {
		return riverdatabasesql.New(db.Writer())
	}
	// The writer pool has one connection: the queue's writes and the
	// application's take turns instead of failing with SQLITE_BUSY.
	return riversqlite.New(db.Writer())
}

// Migrate creates or updates the queue's tables. Call it through
// store.DB.Migrate so it runs under the migration lock.
func Migrate(db *store.DB) func(context.Context) error {
	return func(ctx context.Context) error {
		m, err := rivermigrate.New(driver(db), &rivermigrate.Config{Logger: quietLogger()})
		if err != nil {
			return fmt.Errorf("queue migrations: %w", err)
		}
		if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
			return fmt.Errorf("queue migrations: %w", err)
		}
		return nil
	}
}

func quietLogger() *slog.Logger {
	return slog.New(slog.DiscardHandler)
}

// New builds a queue that sends mail with sender and cleans db.
func New(db *store.DB, sender mail.Sender, log *slog.Logger, cfg Config) (*Queue, error) {
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.MailAttempts <= 0 {
		cfg.MailAttempts = 25 // about a day of retries with the backoff below
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &mailWorker{db: db, sender: sender, log: log}); err != nil {
		return nil, err
	}
	if err := river.AddWorkerSafely(workers, &cleanupWorker{db: db, now: cfg.Now}); err != nil {
		return nil, err
	}
	tasks := &taskWorker{db: db, log: log, handlers: map[string]TaskFunc{}, long: map[string]time.Duration{}}
	if err := river.AddWorkerSafely(workers, tasks); err != nil {
		return nil, err
	}
	client, err := river.NewClient(driver(db), &river.Config{
		Logger:            log.With("component", "queue"),
		FetchPollInterval: cfg.PollInterval,
		FetchCooldown:     min(cfg.PollInterval, 100*time.Millisecond),
		// River's SQLite driver imitates LISTEN by reading a table 20 times
		// a second, which an idle server pays for; one process serves a
		// SQLite file (see store.DB.ClaimServing), so there is nobody to
		// hear from, and polling for jobs is enough.
		PollOnly: db.Dialect() == store.SQLite,
		Queues: map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4},
			// One long task at a time per instance: an encode keeps the
			// processor busy on its own.
			longQueue: {MaxWorkers: 1}},
		Workers:     workers,
		MaxAttempts: cfg.MailAttempts,
		RetryPolicy: &backoff{},
		// Every kind sets its own timeout; River wants the default to
		// stay below the rescue delay.
		JobTimeout:           mailTimeout,
		RescueStuckJobsAfter: rescueAfter,
		// Finished jobs may hold mail with live links: keep them briefly.
		CompletedJobRetentionPeriod: time.Minute,
		CancelledJobRetentionPeriod: time.Minute,
		DiscardedJobRetentionPeriod: 24 * time.Hour,
		PeriodicJobs: []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {
				return CleanupArgs{}, nil
			}, &river.PeriodicJobOpts{RunOnStart: true}),
		},
	})
	if err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	return &Queue{db: db, client: client, tasks: tasks}, nil
}

// Start starts working jobs until Stop.
func (q *Queue) Start(ctx context.Context) error {
	if err := q.reviveOrphans(ctx); err != nil {
		return err
	}
	return q.client.Start(ctx)
}

// reviveOrphans makes the jobs a dead process left running available again
// at once. Only on SQLite, where one process serves the file (see
// store.DB.ClaimServing), so every running job at start is an orphan; on
// PostgreSQL other instances may be working theirs, and River's rescuer
// takes orphans back after rescueAfter. The attempt they used still counts.
func (q *Queue) reviveOrphans(ctx context.Context) error {
	if q.db.Dialect() != store.SQLite {
		return nil
	}
	if _, err := q.db.Writer().ExecContext(ctx, `UPDATE river_job SET state = 'available' WHERE state = 'running'`); err != nil {
		return fmt.Errorf("queue: revive jobs of a stopped process: %w", err)
	}
	return nil
}

// Stop lets running jobs finish (until ctx ends) and stops fetching new ones.
func (q *Queue) Stop(ctx context.Context) error { return q.client.Stop(ctx) }

// EnqueueMail inserts a mail job in tx: it is sent once tx commits.
func (q *Queue) EnqueueMail(ctx context.Context, tx *store.Tx, m mail.Message) error {
	if _, err := q.client.InsertTx(ctx, tx.SQL(), MailArgs{Message: m}, nil); err != nil {
		return fmt.Errorf("enqueue mail: %w", err)
	}
	return nil
}

// EnqueueMails inserts many mail jobs in tx with one statement.
func (q *Queue) EnqueueMails(ctx context.Context, tx *store.Tx, ms []mail.Message) error {
	if len(ms) == 0 {
		return nil
	}
	params := make([]river.InsertManyParams, len(ms))
	for i, m := range ms {
		params[i] = river.InsertManyParams{Args: MailArgs{Message: m}}
	}
	if _, err := q.client.InsertManyTx(ctx, tx.SQL(), params); err != nil {
		return fmt.Errorf("enqueue mails: %w", err)
	}
	return nil
}

// backoff retries quickly at first, then ever more slowly: 1s, 2s, 4s …
// up to an hour between tries, so a mail server down for hours loses
// nothing.
type backoff struct{}

func (backoff) NextRetry(job *rivertype.JobRow) time.Time {
	n := min(len(job.Errors), 12)
	return time.Now().Add(min(time.Duration(1<<n)*time.Second, time.Hour))
}

// MailArgs is a mail waiting to be sent.
type MailArgs struct {
	Message mail.Message `json:"message"`
}

// Kind names the job type in the queue's table.
func (MailArgs) Kind() string { return "mail" }

type mailWorker struct {
	river.WorkerDefaults[MailArgs]
	db     *store.DB
	sender mail.Sender
	log    *slog.Logger
}

func (w *mailWorker) Timeout(*river.Job[MailArgs]) time.Duration { return mailTimeout }

func (w *mailWorker) Work(ctx context.Context, job *river.Job[MailArgs]) error {
	m := job.Args.Message
	m.ID = messageID(job.JobRow)
	if err := w.sender.Send(ctx, m); err != nil {
		return err
	}
	recordDone(ctx, w.db, w.log, job)
	return nil
}

// messageID names a mail after the job that sends it, so that a copy sent
// again after a crash carries the same Message-ID and mail clients show it
// once. The job's creation time keeps ids apart across databases.
func messageID(job *rivertype.JobRow) string {
	return fmt.Sprintf("job-%d.%d", job.ID, job.CreatedAt.UnixMicro())
}

// recordDone marks job completed in a transaction of its own, right after
// its work succeeded. River otherwise batches completions and writes them
// every quarter of a second or so (later still while the single SQLite
// writer is busy): a crash in that gap made work that was done — mail
// already handed to the SMTP server — look unfinished, and it was done
// again. Now only a job caught between its work and this write is
// repeated. If the write fails, River's own completion still follows.
func recordDone[T river.JobArgs](ctx context.Context, db *store.DB, log *slog.Logger, job *river.Job[T]) {
	ctx = context.WithoutCancel(ctx) // the work is done: record it even past the timeout
	err := db.Tx(ctx, func(tx *store.Tx) error {
		_, err := river.JobCompleteTx[riverdriver.Driver[*sql.Tx]](ctx, tx.SQL(), job)
		return err
	})
	if err != nil {
		log.WarnContext(ctx, "recording a finished job", "kind", job.Kind, "job", job.ID, "err", err)
	}
}

// TaskFunc does one deferred piece of application work. It runs in the
// background and is retried when it fails, so it must be safe to repeat.
type TaskFunc = func(ctx context.Context, payload json.RawMessage) error

// Handle registers the function for tasks named name. Register every
// handler before Start.
func (q *Queue) Handle(name string, fn TaskFunc) { q.tasks.handlers[name] = fn }

// longQueue holds the tasks registered with HandleLong, apart from mail
// and the short tasks they would otherwise hold up.
const longQueue = "long"

// HandleLong registers fn for tasks named name that may run for up to
// timeout (video encodes), one at a time per instance. A task cut short
// by a dead worker is taken back only once its timeout has passed.
func (q *Queue) HandleLong(name string, timeout time.Duration, fn TaskFunc) {
	q.tasks.handlers[name] = fn
	q.tasks.long[name] = timeout
}

// Every runs the task named name at start and then every interval (once
// across all instances: river elects one leader to schedule periodic work).
func (q *Queue) Every(name string, interval time.Duration) {
	q.client.PeriodicJobs().Add(river.NewPeriodicJob(river.PeriodicInterval(interval), func() (river.JobArgs, *river.InsertOpts) {
		return TaskArgs{Name: name, Payload: json.RawMessage("{}")}, nil
	}, &river.PeriodicJobOpts{RunOnStart: true}))
}

// EnqueueTask inserts a task in tx: it runs once tx commits.
func (q *Queue) EnqueueTask(ctx context.Context, tx *store.Tx, name string, payload any) error {
	raw, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	var opts *river.InsertOpts
	if _, long := q.tasks.long[name]; long {
		opts = &river.InsertOpts{Queue: longQueue}
	}
	if _, err := q.client.InsertTx(ctx, tx.SQL(), TaskArgs{Name: name, Payload: raw}, opts); err != nil {
		return fmt.Errorf("enqueue %s: %w", name, err)
	}
	return nil
}

// EnqueueTaskAt inserts a task in tx that runs once tx commits and not
// before at: a task that keeps its own retry schedule (webhook deliveries)
// enqueues its next attempt this way.
func (q *Queue) EnqueueTaskAt(ctx context.Context, tx *store.Tx, name string, payload any, at time.Time) error {
	raw, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	opts := &river.InsertOpts{ScheduledAt: at}
	if _, long := q.tasks.long[name]; long {
		opts.Queue = longQueue
	}
	if _, err := q.client.InsertTx(ctx, tx.SQL(), TaskArgs{Name: name, Payload: raw}, opts); err != nil {
		return fmt.Errorf("enqueue %s: %w", name, err)
	}
	return nil
}

// TaskArgs is an application task waiting to run.
type TaskArgs struct {
	Name    string          `json:"name"`
	Payload json.RawMessage `json:"payload"`
}

// Kind names the job type in the queue's table.
func (TaskArgs) Kind() string { return "task" }

type taskWorker struct {
	river.WorkerDefaults[TaskArgs]
	db       *store.DB
	log      *slog.Logger
	handlers map[string]TaskFunc
	// long holds the timeouts of the tasks registered with HandleLong.
	long map[string]time.Duration
}

func (w *taskWorker) Timeout(job *river.Job[TaskArgs]) time.Duration {
	if d, ok := w.long[job.Args.Name]; ok {
		return d
	}
	return taskTimeout
}

func (w *taskWorker) Work(ctx context.Context, job *river.Job[TaskArgs]) error {
	fn, ok := w.handlers[job.Args.Name]
	if !ok {
		return river.JobCancel(fmt.Errorf("no handler for task %q", job.Args.Name))
	}
	if err := fn(ctx, job.Args.Payload); err != nil {
		return err
	}
	recordDone(ctx, w.db, w.log, job)
	return nil
}

// CleanupArgs asks for expired sessions and rate-limit counters to go.
type CleanupArgs struct{}

// Kind names the job type in the queue's table.
func (CleanupArgs) Kind() string { return "cleanup" }

type cleanupWorker struct {
	river.WorkerDefaults[CleanupArgs]
	db  *store.DB
	now func() time.Time
}

func (w *cleanupWorker) Timeout(*river.Job[CleanupArgs]) time.Duration { return cleanupTimeout }

func (w *cleanupWorker) Work(ctx context.Context, _ *river.Job[CleanupArgs]) error {
	now := w.now()
	return w.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.DeleteExpiredSessions(ctx, now); err != nil {
			return err
		}
		return tx.DeleteRateLimitsBefore(ctx, now.Add(-48*time.Hour)) // the longest window, and the one before it
	})
}
