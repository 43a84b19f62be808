module liblsm.io/lsm

go 1.23
