module example.com/unusedlib

go 1.21
