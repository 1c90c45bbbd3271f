@echo off
echo starting from %APP_HOME%
type C:\data\ready.txt
