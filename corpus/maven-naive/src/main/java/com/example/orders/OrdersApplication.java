package com.example.orders;

import java.util.List;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

@SpringBootApplication
@RestController
public class OrdersApplication {

    record Order(long id, String item, int quantity) {}

    @GetMapping("/orders")
    List<Order> orders() {
        return List.of(new Order(1, "keyboard", 2), new Order(2, "monitor", 1));
    }

    public static void main(String[] args) {
        SpringApplication.run(OrdersApplication.class, args);
    }
}
