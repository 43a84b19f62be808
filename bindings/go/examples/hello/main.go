// Command hello opens (creating) a database in the directory given, writes,
// reads and iterates it: the Go binding's smallest whole program. ci/test.sh
// builds a copy of it as a module of its own, outside this repository,
// against both a build tree and an installed liblsm.
//
//	go run liblsm.io/lsm/examples/hello /tmp/hello-db
package main

import (
	"errors"
	"fmt"
	"log"
	"os"

	"liblsm.io/lsm"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: hello DIR")
		os.Exit(2)
	}
	db, err := lsm.Open(os.Args[1], nil)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	var batch lsm.Batch
	for _, kv := range [][2]string{{"fig", "purple"}, {"apple", "red"}, {"lime", "green"}} {
		batch.Put([]byte(kv[0]), []byte(kv[1]))
	}
	if err := db.Write(&batch, &lsm.WriteOptions{Sync: true}); err != nil {
		log.Fatal(err)
	}
	if err := db.Put([]byte("kiwi"), []byte("brown"), nil); err != nil {
		log.Fatal(err)
	}
	v, err := db.Get([]byte("lime"), nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("liblsm %s: lime is %s\n", lsm.Version(), v)
	if _, err := db.Get([]byte("plum"), nil); !errors.Is(err, lsm.ErrNotFound) {
		log.Fatalf("plum: %v", err)
	}

	it, err := db.NewIterator(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer it.Close()
	for k, v := range it.Range(nil, nil) {
		fmt.Printf("%s=%s\n", k, v)
	}
	if err := it.Err(); err != nil {
		log.Fatal(err)
	}
}
