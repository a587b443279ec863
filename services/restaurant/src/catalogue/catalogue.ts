/** The demo catalogue seeded on first start. Ids are fixed so `menu_id: 1` in the spec's curls always exists. */
export interface CatalogueRestaurant {
  id: number;
  name: string;
  cuisine: string;
  address: string;
  phone: string;
  menus: CatalogueMenu[];
}

export interface CatalogueMenu {
  id: number;
  name: string;
  description: string;
  /** KRW won. */
  price: number;
  stock: number;
}

export const CATALOGUE: CatalogueRestaurant[] = [
  {
    id: 1,
    name: 'Seoul Kitchen',
    cuisine: 'korean',
    address: '서울시 강남구 테헤란로 123',
    phone: '02-555-0101',
    menus: [
      {
        id: 1,
        name: 'Bibimbap',
        description: 'Rice with seasoned vegetables, beef, fried egg and gochujang',
        price: 9000,
        stock: 10000,
      },
      {
        id: 2,
        name: 'Kimchi Jjigae',
        description: 'Spicy kimchi stew with pork and tofu',
        price: 8500,
        stock: 500,
      },
      {
        id: 3,
        name: 'Bulgogi Set',
        description: 'Marinated grilled beef with rice and side dishes',
        price: 13000,
        stock: 300,
      },
      {
        id: 4,
        name: 'Japchae',
        description: 'Stir-fried glass noodles with vegetables',
        price: 7000,
        stock: 200,
      },
    ],
  },
  {
    id: 2,
    name: 'Hongdae Fried Chicken',
    cuisine: 'chicken',
    address: '서울시 마포구 와우산로 45',
    phone: '02-555-0202',
    menus: [
      {
        id: 5,
        name: 'Crispy Fried Chicken',
        description: 'Double-fried whole chicken',
        price: 19000,
        stock: 300,
      },
      {
        id: 6,
        name: 'Yangnyeom Chicken',
        description: 'Fried chicken glazed in sweet chili sauce',
        price: 20000,
        stock: 300,
      },
      {
        id: 7,
        name: 'Soy Garlic Chicken',
        description: 'Fried chicken in soy garlic glaze',
        price: 20000,
        stock: 250,
      },
      { id: 8, name: 'Cheese Balls', description: 'Five fried cheese balls', price: 5000, stock: 400 },
    ],
  },
  {
    id: 3,
    name: 'Busan Sushi House',
    cuisine: 'japanese',
    address: '서울시 서초구 강남대로 77',
    phone: '02-555-0303',
    menus: [
      {
        id: 9,
        name: 'Salmon Sushi Set',
        description: 'Twelve pieces of salmon nigiri',
        price: 16000,
        stock: 150,
      },
      { id: 10, name: 'Spicy Tuna Roll', description: 'Eight pieces, spicy mayo', price: 9000, stock: 200 },
      {
        id: 11,
        name: 'Tempura Udon',
        description: 'Thick wheat noodles with shrimp tempura',
        price: 9500,
        stock: 200,
      },
      {
        id: 12,
        name: 'Tonkatsu',
        description: 'Breaded pork cutlet with cabbage salad',
        price: 11000,
        stock: 250,
      },
    ],
  },
  {
    id: 4,
    name: 'Gangnam Pizza Co.',
    cuisine: 'pizza',
    address: '서울시 강남구 논현로 88',
    phone: '02-555-0404',
    menus: [
      {
        id: 13,
        name: 'Bulgogi Pizza',
        description: 'Bulgogi beef, onions and mozzarella',
        price: 23000,
        stock: 150,
      },
      { id: 14, name: 'Margherita', description: 'Tomato, mozzarella and basil', price: 18000, stock: 150 },
      {
        id: 15,
        name: 'Potato Pizza',
        description: 'Potato wedges, bacon and corn',
        price: 21000,
        stock: 120,
      },
      {
        id: 16,
        name: 'Garlic Bread',
        description: 'Toasted baguette with garlic butter',
        price: 4500,
        stock: 300,
      },
    ],
  },
  {
    id: 5,
    name: 'Myeongdong Tteokbokki',
    cuisine: 'street food',
    address: '서울시 중구 명동길 12',
    phone: '02-555-0505',
    menus: [
      { id: 17, name: 'Tteokbokki', description: 'Chewy rice cakes in spicy sauce', price: 5000, stock: 500 },
      {
        id: 18,
        name: 'Gimbap',
        description: 'Seaweed rice roll with vegetables and egg',
        price: 4000,
        stock: 500,
      },
      { id: 19, name: 'Twigim Platter', description: 'Assorted Korean fritters', price: 7000, stock: 300 },
      {
        id: 20,
        name: 'Sundae',
        description: 'Korean blood sausage with salt and pepper',
        price: 6000,
        stock: 200,
      },
    ],
  },
];
