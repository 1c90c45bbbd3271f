Console.WriteLine("todo api: 0 todos");
