package app_test

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"troupe/internal/app"
	"troupe/internal/testkit"
	"troupe/internal/transcode"
	"troupe/internal/troupe"
)

// encoder is the real media tools but for the web rendition, which a test
// makes fail or hang, and a probe that finds the upload needs one.
type encoder struct {
	transcode.Tools
	// encode replaces WebRendition; its call count is calls.
	encode func(ctx context.Context, call int32, src, dst string, progress func(float64)) error
	calls  atomic.Int32
}

func (e *encoder) Probe(ctx context.Context, path string) (transcode.Info, error) {
	info, err := e.Tools.Probe(ctx, path)
	if !strings.HasSuffix(path, ".mp4") { // the upload, not the rendition
		info.VideoCodec = "hevc" // as a phone's video would be
	}
	return info, err
}

func (e *encoder) WebRendition(ctx context.Context, src, dst string, progress func(float64)) error {
	return e.encode(ctx, e.calls.Add(1), src, dst, progress)
}

// exitError is what a program that fails on a file returns.
func exitError() error {
	return fmt.Errorf("ffmpeg: %w: Invalid data found when processing input", exec.Command("false").Run())
}

func (e *env) waitProcessing(t *testing.T, u troupe.User, id string, want troupe.ProcessingState) app.ItemView {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		it, err := e.app.GetItem(context.Background(), u, id)
		if err != nil {
			t.Fatal(err)
		}
		if it.Processing.State == want {
			return it
		}
		if time.Now().After(deadline) {
			t.Fatalf("processing %+v, want %s", it.Processing, want)
		}
	}
}

func TestProcessing(t *testing.T) {
	tools := transcode.Find()
	if tools == nil {
		testkit.RequireTool(t, "ffprobe")
	}
	video := testkit.VideoBytes(t, 2)
	upload := func(t *testing.T, e *env, owner troupe.User, ws string) app.ItemView {
		t.Helper()
		v, err := e.app.CreateMedia(context.Background(), owner, ws, app.NewMedia{Kind: troupe.KindVideo, Name: "Phone",
			Filename: "phone.mp4", File: bytes.NewReader(video)}, client)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}

	t.Run("an encode stops when its video goes to the trash", func(t *testing.T) {
		started := make(chan struct{}, 1)
		enc := &encoder{Tools: tools, encode: func(ctx context.Context, _ int32, _, _ string, _ func(float64)) error {
			started <- struct{}{}
			<-ctx.Done()
			return context.Cause(ctx)
		}}
		for _, engine := range testkit.Engines(t) {
			t.Run(engine.Name, func(t *testing.T) {
				e := newEnvWith(t, engine, app.Config{MediaTools: enc})
				tm := e.team(t)
				v := upload(t, e, tm.creator, tm.ws)
				select {
				case <-started:
				case <-time.After(time.Minute):
					t.Fatal("the encode never started")
				}
				if err := e.app.TrashItem(context.Background(), tm.creator, v.ID, client); err != nil {
					t.Fatal(err)
				}
				it := e.waitProcessing(t, tm.creator, v.ID, troupe.ProcessingFailed)
				if !strings.Contains(it.Processing.Error, "trash") {
					t.Fatalf("processing: %+v", it.Processing)
				}
				// Restored, it can be tried again.
				if _, err := e.app.RestoreItem(context.Background(), tm.creator, v.ID, client); err != nil {
					t.Fatal(err)
				}
				if _, err := e.app.RetryProcessing(context.Background(), tm.creator, v.ID, client); err != nil {
					t.Fatal(err)
				}
				<-started
				if err := e.app.TrashItem(context.Background(), tm.creator, v.ID, client); err != nil {
					t.Fatal(err)
				}
				e.waitProcessing(t, tm.creator, v.ID, troupe.ProcessingFailed)
			})
		}
	})

	t.Run("a failed encode ends failed, and a retry by an editor makes the rendition", func(t *testing.T) {
		enc := &encoder{Tools: tools}
		enc.encode = func(ctx context.Context, call int32, src, dst string, progress func(float64)) error {
			if call == 1 {
				return exitError()
			}
			return tools.WebRendition(ctx, src, dst, progress)
		}
		for _, engine := range testkit.Engines(t) {
			t.Run(engine.Name, func(t *testing.T) {
				enc.calls.Store(0)
				e := newEnvWith(t, engine, app.Config{MediaTools: enc})
				tm := e.team(t)
				v := upload(t, e, tm.creator, tm.ws)
				it := e.waitProcessing(t, tm.creator, v.ID, troupe.ProcessingFailed)
				if it.Processing.Error != "The file could not be processed: Invalid data found when processing input" {
					t.Fatalf("processing: %+v", it.Processing)
				}
				if it.PosterKey == "" || it.ThumbnailKey == "" || len(it.Renditions) != 0 {
					t.Fatalf("after the failure: %+v", it.Item)
				}
				e.share(t, tm.creator, v.ID, app.SharingInput{General: "workspace", WorkspaceLevel: "comment"})
				_, err := e.app.RetryProcessing(context.Background(), tm.viewer, v.ID, client)
				wantCode(t, err, troupe.CodeForbidden)
				// What was approved is made anew: the approval goes back to none.
				if _, err := e.app.RequestApproval(context.Background(), tm.creator, v.ID, app.ApprovalRequest{Reviewers: []string{tm.dev.ID}}, client); err != nil {
					t.Fatal(err)
				}
				if _, err := e.app.Decide(context.Background(), tm.dev, v.ID, troupe.DecisionApprove, "", client); err != nil {
					t.Fatal(err)
				}
				if _, err := e.app.RetryProcessing(context.Background(), tm.creator, v.ID, client); err != nil {
					t.Fatal(err)
				}
				if got := e.approvalStatus(t, tm.creator, v.ID); got != troupe.ApprovalNone {
					t.Fatalf("approval after a retry: %q", got)
				}
				it = e.waitProcessing(t, tm.creator, v.ID, troupe.ProcessingReady)
				if len(it.Renditions) != 1 || it.Renditions[0].VideoCodec != "h264" || it.Processing.Error != "" || it.Processing.Progress != 1 {
					t.Fatalf("after the retry: %+v %+v", it.Processing, it.Renditions)
				}
				_, err = e.app.RetryProcessing(context.Background(), tm.creator, v.ID, client)
				wantCode(t, err, troupe.CodeConflict)
			})
		}
	})
}
