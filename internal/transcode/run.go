package transcode

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// tailSize bounds how much of a program's error output is kept: enough for
// its last few lines, never a whole log of warnings.
const tailSize = 2048

// tail keeps the last tailSize bytes written to it.
type tail struct {
	buf       []byte
	truncated bool
}

func (t *tail) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - tailSize; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
		t.truncated = true
	}
	return len(p), nil
}

// String returns the kept lines, without a line cut in half at the start.
func (t *tail) String() string {
	b := t.buf
	if t.truncated {
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return strings.TrimSpace(string(b))
}

// failure wraps a program's error with its last lines of error output, or
// with the context's cause when the context ended it.
func failure(ctx context.Context, name string, err error, stderr *tail) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", name, context.Cause(ctx))
	}
	if msg := stderr.String(); msg != "" {
		return fmt.Errorf("%s: %w: %s", name, err, msg)
	}
	return fmt.Errorf("%s: %w", name, err)
}

// command prepares a program that is killed when ctx ends; waitDelay
// bounds how long its pipes may outlive it.
func command(ctx context.Context, path string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// ffmpeg runs ffmpeg with args (inputs and outputs). When progress is
// not nil it is called with the share done, 0..1, measured against
// duration by the out_time_us that ffmpeg writes to its -progress pipe.
func (e Exec) ffmpeg(ctx context.Context, duration time.Duration, progress func(float64), args ...string) error {
	if e.FFmpeg == "" {
		return fmt.Errorf("ffmpeg: %w", ErrNoTool)
	}
	head := []string{"-nostdin", "-hide_banner", "-v", "error", "-nostats"}
	if progress != nil {
		head = append(head, "-progress", "pipe:1", "-stats_period", "0.5")
	}
	cmd := command(ctx, e.FFmpeg, append(head, args...)...)
	var stderr tail
	cmd.Stderr = &stderr
	if progress == nil {
		if err := cmd.Run(); err != nil {
			return failure(ctx, "ffmpeg", err, &stderr)
		}
		return nil
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("ffmpeg: %w", err)
	}
	progress(0)
	readProgress(out, duration, progress)
	if err := cmd.Wait(); err != nil {
		return failure(ctx, "ffmpeg", err, &stderr)
	}
	progress(1)
	return nil
}

// readProgress reads ffmpeg's key=value progress blocks until the pipe
// closes, reporting each new position; it never reports 1, which only a
// successful exit does.
func readProgress(r io.Reader, duration time.Duration, progress func(float64)) {
	sc := bufio.NewScanner(r)
	last := 0.0
	for sc.Scan() {
		v, ok := strings.CutPrefix(sc.Text(), "out_time_us=")
		if !ok || duration <= 0 {
			continue
		}
		us, err := strconv.ParseInt(v, 10, 64)
		if err != nil || us <= 0 {
			continue
		}
		done := min(float64(us)/float64(duration.Microseconds()), 0.999)
		if done > last {
			last = done
			progress(done)
		}
	}
	_, _ = io.Copy(io.Discard, r)
}
