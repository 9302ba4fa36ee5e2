module example.com/otherlib

go 1.21
