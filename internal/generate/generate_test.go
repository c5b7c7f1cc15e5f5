package generate_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"testing"

	"troupe/internal/generate"
	"troupe/internal/store"
	"troupe/internal/testkit"
	"troupe/internal/troupe"
)

var small = generate.Options{Seed: 7, Members: 60, Items: 800, Depth: 6, BigFolder: 50, HeavySharers: 5, SharesEach: 10, PasswordHash: "x"}

func load(t *testing.T, e testkit.Engine) (*store.DB, generate.Result, []byte) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, e.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var export bytes.Buffer
	res, err := generate.Generate(ctx, db, small, &export)
	if err != nil {
		t.Fatal(err)
	}
	return db, res, export.Bytes()
}

// The export, loaded into a plain model of PRODUCT §6 (troupe.EffectiveAccess
// over each item's chain), answers like the database for every sampled
// (user, item) pair; the same seed makes the same workspace.
func TestGenerate(t *testing.T) {
	var first []byte
	for _, e := range testkit.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			db, res, export := load(t, e)
			if first == nil {
				first = export
			} else if !bytes.Equal(first, export) {
				t.Fatal("the same seed made a different workspace")
			}
			if res.Items != small.Items || res.MaxDepth < 5 || res.Shares == 0 || res.Folders < small.Depth {
				t.Fatalf("result: %+v", res)
			}

			items := map[string]generate.Record{}
			roles := map[string]troupe.Role{}
			shares := map[string]map[string]troupe.Level{}
			var itemIDs, userIDs []string
			lines := 0
			sc := bufio.NewScanner(bytes.NewReader(export))
			for sc.Scan() {
				lines++
				var r generate.Record
				if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
					t.Fatal(err)
				}
				switch r.Type {
				case "item":
					items[r.ID] = r
					itemIDs = append(itemIDs, r.ID)
				case "member":
					roles[r.ID] = troupe.Role(r.Role)
					userIDs = append(userIDs, r.ID)
				case "share":
					if shares[r.ItemID] == nil {
						shares[r.ItemID] = map[string]troupe.Level{}
					}
					shares[r.ItemID][r.UserID], _ = troupe.ParseLevel(r.Level)
				}
			}
			if lines != 1+small.Members+small.Items+res.Shares || len(itemIDs) != small.Items {
				t.Fatalf("export has %d lines", lines)
			}
			n, err := db.Read().CountItems(ctx, res.WorkspaceID)
			if err != nil || n != small.Items {
				t.Fatalf("items in the database: %d %v", n, err)
			}
			kids, _, err := db.Read().ListChildren(ctx, store.Viewer{All: true}, res.BigFolderID, troupe.LevelEdit,
				store.ItemFilter{WorkspaceID: res.WorkspaceID, Limit: 200})
			if err != nil || len(kids) != small.BigFolder {
				t.Fatalf("big folder holds %d: %v", len(kids), err)
			}

			rng := rand.New(rand.NewPCG(1, 1))
			for range 2000 {
				id, u := itemIDs[rng.IntN(len(itemIDs))], userIDs[rng.IntN(len(userIDs))]
				var chain []troupe.ItemSharing
				for it, ok := items[id]; ok; it, ok = items[it.ParentID] {
					lvl, _ := troupe.ParseLevel(it.WorkspaceLevel)
					chain = append(chain, troupe.ItemSharing{OwnerID: it.OwnerID, Workspace: lvl, Shares: shares[it.ID]})
				}
				want := troupe.EffectiveAccess(u, roles[u], chain)
				row, role, err := db.Read().FindItemAccess(ctx, id, u)
				if err != nil {
					t.Fatal(err)
				}
				if got := troupe.Access(role, row.Grant); got != want {
					t.Fatalf("user %s (%s) on %s: database %v, model %v", u, roles[u], id, got, want)
				}
			}
		})
	}
}
