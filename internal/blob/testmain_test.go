package blob_test

import (
	"os"
	"testing"

	"troupe/internal/testkit"
)

// TestMain ends the run with how many tests skipped for want of a service.
func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }
