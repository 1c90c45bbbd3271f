public class Catalog { public static void main(String[] a) {
    System.out.println("catalog: 12 items");
} }
