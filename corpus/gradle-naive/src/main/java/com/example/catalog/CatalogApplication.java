package com.example.catalog;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

@SpringBootApplication
@RestController
public class CatalogApplication {

    private final Cache<String, String> cache =
            Caffeine.newBuilder().expireAfterWrite(Duration.ofMinutes(5)).build();

    @GetMapping("/products/{sku}")
    Mono<String> product(@PathVariable String sku) {
        return Mono.just(cache.get(sku, k -> "product " + k));
    }

    public static void main(String[] args) {
        SpringApplication.run(CatalogApplication.class, args);
    }
}
