require 'sinatra'
require 'pg'
puts("ruby-app: listening on 4567")
