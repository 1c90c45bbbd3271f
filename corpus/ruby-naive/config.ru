require_relative "app"

run GuestbookApp
