package lsm_test

import (
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"liblsm.io/lsm"
)

func Example() {
	dir, err := os.MkdirTemp("", "lsm-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	db, err := lsm.Open(filepath.Join(dir, "db"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	for _, kv := range [][2]string{{"apple", "red"}, {"banana", "yellow"}, {"cherry", "dark red"}} {
		if err := db.Put([]byte(kv[0]), []byte(kv[1]), nil); err != nil {
			log.Fatal(err)
		}
	}
	v, err := db.Get([]byte("banana"), nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("banana: %s\n", v)
	if _, err := db.Get([]byte("durian"), nil); errors.Is(err, lsm.ErrNotFound) {
		fmt.Println("durian: not found")
	}

	it, err := db.NewIterator(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer it.Close()
	for k, v := range it.Range([]byte("b"), nil) {
		fmt.Printf("%s=%s\n", k, v)
	}
	for k := range it.ReverseRange(nil, []byte("c")) {
		fmt.Printf("%s ", k)
	}
	fmt.Println()
	if err := it.Err(); err != nil {
		log.Fatal(err)
	}
	// Output:
	// banana: yellow
	// durian: not found
	// banana=yellow
	// cherry=dark red
	// banana apple
}

func ExampleDB_Write() {
	dir, _ := os.MkdirTemp("", "lsm-example")
	defer os.RemoveAll(dir)
	db, err := lsm.Open(dir, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	var b lsm.Batch
	b.Put([]byte("from"), []byte("90"))
	b.Put([]byte("to"), []byte("110"))
	b.Delete([]byte("pending"))
	if err := db.Write(&b, &lsm.WriteOptions{Sync: true}); err != nil {
		log.Fatal(err)
	}
	v, _ := db.Get([]byte("to"), nil)
	fmt.Printf("%d operations; to=%s\n", b.Len(), v)
	// Output: 3 operations; to=110
}

func ExampleDB_NewSnapshot() {
	dir, _ := os.MkdirTemp("", "lsm-example")
	defer os.RemoveAll(dir)
	db, err := lsm.Open(dir, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	db.Put([]byte("k"), []byte("old"), nil)
	snap, err := db.NewSnapshot()
	if err != nil {
		log.Fatal(err)
	}
	defer snap.Close()
	db.Put([]byte("k"), []byte("new"), nil)

	then, _ := snap.Get([]byte("k"))
	now, _ := db.Get([]byte("k"), nil)
	fmt.Printf("then %s, now %s\n", then, now)
	// Output: then old, now new
}
