#include "stages/tag/gazetteer.h"

#include <algorithm>

#include "stages/tag/tokenizer.h"

namespace newsflow {
namespace tag {
namespace {

// absl::StrSplit yields absl::string_view, a distinct type in this Abseil.
std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t end = text.find(separator, start);
    if (end == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
}

// Each line: "Canonical|alias|alias...". Our own compilation.
constexpr std::string_view kCountries[] = {
    "Afghanistan", "Albania", "Algeria", "Andorra", "Angola",
    "Antigua and Barbuda", "Argentina", "Armenia", "Australia", "Austria",
    "Azerbaijan", "Bahamas|The Bahamas", "Bahrain", "Bangladesh", "Barbados",
    "Belarus", "Belgium", "Belize", "Benin", "Bhutan", "Bolivia",
    "Bosnia and Herzegovina|Bosnia|Bosnia-Herzegovina", "Botswana",
    "Brazil", "Brunei", "Bulgaria", "Burkina Faso", "Burundi",
    "Cambodia", "Cameroon", "Canada", "Cape Verde|Cabo Verde",
    "Central African Republic|CAR", "Chad", "Chile", "China|PRC",
    "Colombia", "Comoros", "Congo|Republic of the Congo|Congo-Brazzaville",
    "Democratic Republic of the Congo|DRC|DR Congo|Congo-Kinshasa",
    "Costa Rica", "Croatia", "Cuba", "Cyprus",
    "Czech Republic|Czechia", "Denmark", "Djibouti", "Dominica",
    "Dominican Republic", "East Timor|Timor-Leste", "Ecuador", "Egypt",
    "El Salvador", "Equatorial Guinea", "Eritrea", "Estonia",
    "Eswatini|Swaziland", "Ethiopia", "Fiji", "Finland", "France",
    "Gabon", "Gambia|The Gambia", "Georgia", "Germany", "Ghana", "Greece",
    "Grenada", "Guatemala", "Guinea", "Guinea-Bissau", "Guyana", "Haiti",
    "Honduras", "Hungary", "Iceland", "India", "Indonesia", "Iran", "Iraq",
    "Ireland|Republic of Ireland|Eire", "Israel", "Italy",
    "Ivory Coast|Cote d'Ivoire|Côte d'Ivoire", "Jamaica", "Japan", "Jordan",
    "Kazakhstan", "Kenya", "Kiribati", "Kosovo", "Kuwait", "Kyrgyzstan",
    "Laos", "Latvia", "Lebanon", "Lesotho", "Liberia", "Libya",
    "Liechtenstein", "Lithuania", "Luxembourg", "Madagascar", "Malawi",
    "Malaysia", "Maldives", "Mali", "Malta", "Marshall Islands",
    "Mauritania", "Mauritius", "Mexico", "Micronesia", "Moldova", "Monaco",
    "Mongolia", "Montenegro", "Morocco", "Mozambique", "Myanmar|Burma",
    "Namibia", "Nauru", "Nepal", "Netherlands|Holland|The Netherlands",
    "New Zealand", "Nicaragua", "Niger", "Nigeria", "North Korea|DPRK",
    "North Macedonia|Macedonia", "Norway", "Oman", "Pakistan", "Palau",
    "Palestine|Palestinian Territories", "Panama", "Papua New Guinea",
    "Paraguay", "Peru", "Philippines|The Philippines", "Poland",
    "Portugal", "Qatar", "Romania", "Russia|Russian Federation", "Rwanda",
    "Saint Kitts and Nevis", "Saint Lucia",
    "Saint Vincent and the Grenadines", "Samoa", "San Marino",
    "Sao Tome and Principe", "Saudi Arabia|Kingdom of Saudi Arabia",
    "Senegal", "Serbia", "Seychelles", "Sierra Leone", "Singapore",
    "Slovakia", "Slovenia", "Solomon Islands", "Somalia", "South Africa",
    "South Korea|Republic of Korea|ROK", "South Sudan", "Spain",
    "Sri Lanka", "Sudan", "Suriname", "Sweden", "Switzerland", "Syria",
    "Taiwan", "Tajikistan", "Tanzania", "Thailand", "Togo", "Tonga",
    "Trinidad and Tobago", "Tunisia", "Turkey|Turkiye|Türkiye",
    "Turkmenistan", "Tuvalu", "Uganda", "Ukraine",
    "United Arab Emirates|UAE|U.A.E.",
    "United Kingdom|UK|U.K.|Britain|Great Britain",
    "United States|US|U.S.|USA|U.S.A.|United States of America|America",
    "Uruguay", "Uzbekistan", "Vanuatu", "Vatican|Vatican City|Holy See",
    "Venezuela", "Vietnam|Viet Nam", "Yemen", "Zambia", "Zimbabwe",
    "Soviet Union|USSR|U.S.S.R.", "Yugoslavia", "Czechoslovakia",
    "East Germany", "West Germany", "England", "Scotland", "Wales",
    "Northern Ireland", "Greenland", "Puerto Rico", "Hong Kong", "Macau",
    "Tibet", "Chechnya", "Kurdistan", "Western Sahara", "Abkhazia",
    "South Ossetia", "Transnistria", "Somaliland", "Crimea",
};

// Cities, regions, continents, seas, US states.
constexpr std::string_view kPlaces[] = {
    // Capitals and major cities.
    "Kabul", "Tirana", "Algiers", "Luanda", "Buenos Aires", "Yerevan",
    "Canberra", "Sydney", "Melbourne", "Vienna", "Baku", "Manama", "Dhaka",
    "Minsk", "Brussels", "La Paz", "Sarajevo", "Brasilia", "Brasília",
    "Rio de Janeiro|Rio", "Sao Paulo|São Paulo", "Sofia", "Phnom Penh",
    "Ottawa", "Toronto", "Montreal", "Vancouver", "Santiago", "Beijing|Peking",
    "Shanghai", "Hong Kong", "Guangzhou", "Shenzhen", "Wuhan", "Bogota|Bogotá",
    "Kinshasa", "Brazzaville", "Havana", "Nicosia", "Prague", "Copenhagen",
    "Quito", "Cairo", "Alexandria", "Addis Ababa", "Helsinki", "Paris",
    "Marseille", "Lyon", "Strasbourg", "Tbilisi", "Berlin", "Munich",
    "Frankfurt", "Hamburg", "Bonn", "Cologne", "Accra", "Athens",
    "Budapest", "Reykjavik", "New Delhi|Delhi", "Mumbai|Bombay", "Kolkata",
    "Calcutta", "Chennai", "Bangalore|Bengaluru", "Jakarta", "Tehran",
    "Baghdad", "Basra", "Mosul", "Erbil", "Fallujah", "Kirkuk", "Dublin",
    "Jerusalem", "Tel Aviv", "Gaza", "Ramallah", "Rome", "Milan", "Naples",
    "Venice", "Florence", "Turin", "Tokyo", "Osaka", "Kyoto", "Hiroshima",
    "Fukushima", "Amman", "Astana", "Almaty", "Nairobi", "Mombasa",
    "Kuwait City", "Bishkek", "Vientiane", "Riga", "Beirut", "Monrovia",
    "Tripoli", "Benghazi", "Misrata|Misurata", "Brega", "Sirte", "Tobruk",
    "Zawiya", "Ajdabiya", "Vilnius", "Kuala Lumpur", "Bamako", "Valletta",
    "Mexico City", "Chisinau", "Ulan Bator|Ulaanbaatar", "Podgorica",
    "Rabat", "Casablanca", "Maputo", "Naypyidaw", "Yangon|Rangoon",
    "Kathmandu", "Amsterdam", "The Hague|Hague", "Rotterdam", "Wellington",
    "Auckland", "Managua", "Niamey", "Abuja", "Lagos", "Pyongyang", "Skopje",
    "Oslo", "Muscat", "Islamabad", "Karachi", "Lahore", "Peshawar",
    "Panama City", "Asuncion", "Lima", "Manila", "Warsaw", "Krakow",
    "Lisbon", "Doha", "Bucharest", "Moscow", "St. Petersburg|Saint Petersburg",
    "Sochi", "Vladivostok", "Novosibirsk", "Grozny", "Kigali", "Riyadh",
    "Jeddah", "Mecca", "Medina", "Dakar", "Belgrade", "Freetown", "Seoul",
    "Busan", "Mogadishu", "Pretoria", "Johannesburg", "Cape Town", "Durban",
    "Juba", "Madrid", "Barcelona", "Colombo", "Khartoum", "Darfur",
    "Stockholm", "Bern", "Geneva", "Zurich", "Davos", "Damascus", "Aleppo",
    "Homs", "Taipei", "Dushanbe", "Dodoma", "Dar es Salaam", "Bangkok",
    "Tunis", "Ankara", "Istanbul", "Izmir", "Ashgabat", "Kampala", "Kiev|Kyiv",
    "Kharkiv|Kharkov", "Odessa|Odesa", "Donetsk", "Luhansk", "Sevastopol",
    "Mariupol", "Abu Dhabi", "Dubai", "London", "Manchester", "Liverpool",
    "Birmingham", "Edinburgh", "Glasgow", "Belfast", "Cardiff", "Oxford",
    "Cambridge", "Washington|Washington D.C.|Washington, D.C.",
    "New York|New York City|NYC", "Los Angeles|L.A.", "Chicago", "Houston",
    "Boston", "San Francisco", "Miami", "Atlanta", "Dallas", "Seattle",
    "Philadelphia", "Detroit", "Denver", "Las Vegas", "New Orleans",
    "Baltimore", "Pittsburgh", "Phoenix", "San Diego", "Minneapolis",
    "Montevideo", "Tashkent", "Caracas", "Hanoi", "Ho Chi Minh City|Saigon",
    "Sanaa|Sana'a", "Aden", "Lusaka", "Harare", "Kandahar", "Helmand",
    "Herat", "Mazar-i-Sharif", "Jalalabad", "Quetta", "Srinagar", "Kashmir",
    "Punjab", "Gujarat", "Benghazi", "Port-au-Prince", "Kingston",
    "Sarajevo", "Pristina", "Zagreb", "Ljubljana", "Bratislava", "Tallinn",
    "Luxembourg City", "Monaco", "Antwerp", "Geneva", "Lausanne", "Salzburg",
    "Dresden", "Leipzig", "Stuttgart", "Düsseldorf|Dusseldorf", "Seville",
    "Valencia", "Bilbao", "Porto", "Gdansk", "Lviv", "Minsk", "Murmansk",
    "Kaliningrad", "Yekaterinburg", "Kazan", "Dhaka", "Chittagong",
    "Singapore", "Macau", "Pattaya", "Phuket", "Bali", "Kuwait", "Sharm el-Sheikh",
    "Luxor", "Suez", "Port Said", "Ismailia", "Hebron", "Nablus", "Jenin",
    "Haifa", "Nazareth", "Bethlehem", "Golan Heights|Golan",
    // Continents, regions, seas.
    "Africa", "North Africa", "West Africa", "East Africa", "Southern Africa",
    "Sub-Saharan Africa", "Asia", "Central Asia", "South Asia",
    "Southeast Asia", "East Asia", "Asia-Pacific", "Europe", "Eastern Europe",
    "Western Europe", "Central Europe", "Northern Europe", "Southern Europe",
    "Balkans", "Baltics", "Caucasus", "North Caucasus", "Scandinavia",
    "Middle East|Mideast", "Near East", "Far East", "Gulf", "Persian Gulf",
    "Arabian Peninsula", "Levant", "Maghreb", "Sahel", "Sahara",
    "Horn of Africa", "North America", "South America", "Latin America",
    "Central America", "Caribbean", "Oceania", "Pacific", "Atlantic",
    "Arctic", "Antarctica|Antarctic", "Mediterranean", "Black Sea",
    "Red Sea", "Caspian Sea|Caspian", "Baltic Sea", "North Sea",
    "South China Sea", "East China Sea", "Sea of Japan", "Indian Ocean",
    "Pacific Ocean", "Atlantic Ocean", "Arctic Ocean", "Gulf of Aden",
    "Gulf of Mexico", "Strait of Hormuz", "Suez Canal", "Panama Canal",
    "Bosphorus", "Nile", "Euphrates", "Tigris", "Danube", "Rhine", "Volga",
    "Amazon", "Mississippi", "Himalayas", "Alps", "Andes", "Urals",
    "Siberia", "Kurdistan", "Anatolia", "Sinai", "West Bank", "Gaza Strip",
    "East Jerusalem", "Nafusa Mountains|Nafusa", "Cyrenaica", "Tripolitania",
    "Fezzan", "Donbas|Donbass", "Xinjiang", "Hong Kong", "Scandinavia",
    "Patagonia", "Amazonia", "Silicon Valley", "Wall Street", "Downing Street",
    "Capitol Hill", "Whitehall", "Westminster", "Midwest", "New England",
    "Bay Area", "Pyrenees",
    // US states.
    "Alabama", "Alaska", "Arizona", "Arkansas", "California", "Colorado",
    "Connecticut", "Delaware", "Florida", "Hawaii", "Idaho", "Illinois",
    "Indiana", "Iowa", "Kansas", "Kentucky", "Louisiana", "Maine",
    "Maryland", "Massachusetts", "Michigan", "Minnesota", "Mississippi",
    "Missouri", "Montana", "Nebraska", "Nevada", "New Hampshire",
    "New Jersey", "New Mexico", "North Carolina", "North Dakota", "Ohio",
    "Oklahoma", "Oregon", "Pennsylvania", "Rhode Island", "South Carolina",
    "South Dakota", "Tennessee", "Texas", "Utah", "Vermont", "Virginia",
    "West Virginia", "Wisconsin", "Wyoming",
    // Provinces and states elsewhere.
    "Ontario", "Quebec", "British Columbia", "Alberta", "Bavaria",
    "Catalonia", "Andalusia", "Basque Country", "Lombardy", "Sicily",
    "Sardinia", "Corsica", "Normandy", "Brittany", "Provence", "Flanders",
    "Wallonia", "Queensland", "New South Wales", "Tasmania",
    "Kerala", "Tamil Nadu", "Bihar", "Uttar Pradesh", "Maharashtra",
    "Bengal", "West Bengal", "Assam", "Sindh", "Balochistan|Baluchistan",
    "Waziristan", "Khyber Pakhtunkhwa", "Kandahar", "Anbar", "Nineveh",
    "Idlib", "Raqqa", "Deir ez-Zor", "Dagestan", "Ingushetia", "Tatarstan",
    "Mindanao", "Aceh", "Papua", "Java", "Sumatra", "Borneo", "Okinawa",
    "Hokkaido", "Guangdong", "Sichuan", "Tibet", "Inner Mongolia",
};

constexpr std::string_view kOrganizations[] = {
    "United Nations|UN|U.N.", "UN Security Council|U.N. Security Council|"
    "United Nations Security Council|UNSC",
    "UN General Assembly|U.N. General Assembly|United Nations General Assembly",
    "North Atlantic Treaty Organization|NATO|North Atlantic Treaty "
    "Organisation",
    "European Union|EU|E.U.", "European Commission", "European Parliament",
    "European Central Bank|ECB", "Council of Europe", "African Union",
    "Arab League|League of Arab States", "Organization of American States|OAS",
    "Association of Southeast Asian Nations|ASEAN",
    "Organization of the Petroleum Exporting Countries|OPEC",
    "Gulf Cooperation Council|GCC",
    "Organization for Security and Co-operation in Europe|OSCE",
    "International Monetary Fund|IMF", "World Bank",
    "World Trade Organization|WTO", "World Health Organization|WHO",
    "International Atomic Energy Agency|IAEA",
    "International Criminal Court|ICC", "International Court of Justice|ICJ",
    "UNESCO", "UNICEF", "UNHCR", "Red Cross|International Committee of the "
    "Red Cross|ICRC", "Red Crescent", "Amnesty International",
    "Human Rights Watch", "Doctors Without Borders|MSF",
    "Greenpeace", "G7", "G8", "G20",
    // Governments and institutions.
    "White House", "Pentagon", "Kremlin", "State Department",
    "Congress|U.S. Congress|US Congress", "Senate|U.S. Senate|US Senate",
    "House of Representatives", "Supreme Court", "Federal Reserve",
    "CIA", "FBI", "NSA", "Department of Defense", "Department of State",
    "Homeland Security", "Duma|State Duma", "Bundestag", "Knesset",
    "Downing Street", "Elysee|Élysée", "National Security Council|NSC",
    "House of Commons", "House of Lords", "Politburo",
    "National Transitional Council|NTC", "Hamas", "Hezbollah|Hizbollah",
    "Taliban", "al-Qaida|al-Qaeda|al Qaeda|al Qaida|Al-Qaida|Al-Qaeda|"
    "Al Qaeda", "Islamic State|ISIS|ISIL", "Muslim Brotherhood",
    "Fatah", "PLO", "Kurdistan Workers' Party|PKK", "IRA", "ETA",
    // News organisations.
    "Associated Press|AP", "Reuters", "Agence France-Presse|AFP",
    "Interfax", "Itar-Tass|ITAR-TASS|TASS", "RIA Novosti", "Xinhua",
    "Kyodo", "Yonhap", "Al Jazeera|Al-Jazeera", "Al Arabiya", "BBC", "CNN",
    "Bloomberg", "Fox News", "NBC", "CBS", "ABC", "NPR", "PBS", "Sky News",
    "New York Times", "Washington Post", "Wall Street Journal", "Guardian",
    "Financial Times", "Los Angeles Times", "Moscow Times", "The Economist",
    "Der Spiegel|Spiegel", "Le Monde", "Jerusalem Post", "Haaretz",
    "Times of India", "The Hindu",
    // Companies.
    "Google", "Apple", "Microsoft", "Amazon.com", "Facebook", "Meta",
    "Twitter", "Samsung", "Sony", "Toyota", "Volkswagen", "BMW", "Nokia",
    "Gazprom", "Rosneft", "Lukoil", "Exxon Mobil|ExxonMobil|Exxon",
    "Chevron", "BP", "Royal Dutch Shell", "TotalEnergies", "Boeing",
    "Airbus", "General Motors|GM", "Ford", "IBM", "Intel", "Goldman Sachs",
    "JPMorgan|JP Morgan|JPMorgan Chase", "Morgan Stanley", "Citigroup",
    "HSBC", "Barclays", "Deutsche Bank", "UBS", "Credit Suisse", "Nasdaq",
    "Dow Jones", "FIFA", "UEFA", "IOC",
};

// Nationality adjectives and plural nouns (MISC).
constexpr std::string_view kDemonyms[] = {
    "Afghan|Afghans", "Albanian|Albanians", "Algerian|Algerians",
    "American|Americans", "Angolan|Angolans", "Argentine|Argentinian|"
    "Argentines", "Armenian|Armenians", "Australian|Australians",
    "Austrian|Austrians", "Azerbaijani|Azeri|Azeris", "Bahraini|Bahrainis",
    "Bangladeshi|Bangladeshis", "Belarusian|Belarusians",
    "Belgian|Belgians", "Bolivian|Bolivians", "Bosnian|Bosnians",
    "Brazilian|Brazilians", "British|Briton|Britons|Brits",
    "Bulgarian|Bulgarians", "Burmese", "Cambodian|Cambodians",
    "Cameroonian|Cameroonians", "Canadian|Canadians", "Chadian|Chadians",
    "Chilean|Chileans", "Chinese", "Colombian|Colombians",
    "Congolese", "Croatian|Croat|Croats", "Cuban|Cubans",
    "Cypriot|Cypriots", "Czech|Czechs", "Danish|Dane|Danes", "Dutch",
    "Ecuadorian|Ecuadoreans", "Egyptian|Egyptians", "Emirati|Emiratis",
    "English", "Eritrean|Eritreans", "Estonian|Estonians",
    "Ethiopian|Ethiopians", "European|Europeans", "Filipino|Filipinos",
    "Finnish|Finn|Finns", "French|Frenchman|Frenchmen", "Georgian|Georgians",
    "German|Germans", "Ghanaian|Ghanaians", "Greek|Greeks",
    "Guatemalan|Guatemalans", "Haitian|Haitians", "Honduran|Hondurans",
    "Hungarian|Hungarians", "Icelandic|Icelanders", "Indian|Indians",
    "Indonesian|Indonesians", "Iranian|Iranians", "Iraqi|Iraqis",
    "Irish", "Israeli|Israelis", "Italian|Italians", "Ivorian|Ivorians",
    "Jamaican|Jamaicans", "Japanese", "Jordanian|Jordanians",
    "Kazakh|Kazakhs|Kazakhstani", "Kenyan|Kenyans", "Korean|Koreans",
    "North Korean|North Koreans", "South Korean|South Koreans",
    "Kosovar|Kosovars", "Kurdish|Kurd|Kurds", "Kuwaiti|Kuwaitis",
    "Kyrgyz", "Lao|Laotian", "Latvian|Latvians", "Lebanese",
    "Liberian|Liberians", "Libyan|Libyans", "Lithuanian|Lithuanians",
    "Malaysian|Malaysians", "Malian|Malians", "Maltese",
    "Mauritanian|Mauritanians", "Mexican|Mexicans", "Moldovan|Moldovans",
    "Mongolian|Mongolians", "Montenegrin|Montenegrins",
    "Moroccan|Moroccans", "Mozambican|Mozambicans", "Namibian|Namibians",
    "Nepali|Nepalese", "New Zealander|New Zealanders|Kiwi|Kiwis",
    "Nicaraguan|Nicaraguans", "Nigerian|Nigerians", "Nigerien|Nigeriens",
    "Norwegian|Norwegians", "Omani|Omanis", "Pakistani|Pakistanis",
    "Palestinian|Palestinians", "Panamanian|Panamanians",
    "Paraguayan|Paraguayans", "Peruvian|Peruvians", "Polish|Pole|Poles",
    "Portuguese", "Qatari|Qataris", "Romanian|Romanians",
    "Russian|Russians", "Rwandan|Rwandans", "Saudi|Saudis|Saudi Arabian",
    "Scottish|Scot|Scots", "Senegalese", "Serbian|Serb|Serbs",
    "Singaporean|Singaporeans", "Slovak|Slovaks|Slovakian",
    "Slovenian|Slovene|Slovenes", "Somali|Somalis", "South African|"
    "South Africans", "South Sudanese", "Spanish|Spaniard|Spaniards",
    "Sri Lankan|Sri Lankans", "Sudanese", "Swedish|Swede|Swedes",
    "Swiss", "Syrian|Syrians", "Taiwanese", "Tajik|Tajiks", "Tanzanian|"
    "Tanzanians", "Thai|Thais", "Tunisian|Tunisians", "Turkish|Turk|Turks",
    "Turkmen", "Ugandan|Ugandans", "Ukrainian|Ukrainians",
    "Uruguayan|Uruguayans", "Uzbek|Uzbeks", "Venezuelan|Venezuelans",
    "Vietnamese", "Welsh", "Yemeni|Yemenis", "Zambian|Zambians",
    "Zimbabwean|Zimbabweans", "Arab|Arabs|Arabic", "African|Africans",
    "Asian|Asians", "Latin American|Latin Americans", "Western|Westerners",
    "Eastern", "Middle Eastern", "Soviet", "Persian", "Chechen|Chechens",
    "Tibetan|Tibetans", "Uighur|Uighurs|Uyghur|Uyghurs", "Pashtun|Pashtuns",
    "Baluch", "Sunni|Sunnis", "Shiite|Shiites|Shia|Shi'ite|Shi'ites",
    "Muslim|Muslims", "Christian|Christians", "Jewish|Jew|Jews",
    "Catholic|Catholics", "Orthodox", "Protestant|Protestants",
    "Hindu|Hindus", "Buddhist|Buddhists", "Islamic", "Islamist|Islamists",
    "Alawite|Alawites", "Druze", "Coptic|Copts", "Maronite|Maronites",
    "Berber|Berbers", "Amazigh", "Tuareg", "Bedouin", "Yazidi|Yazidis",
    "Nordic", "Scandinavian", "Baltic", "Balkan", "Caucasian",
    "Mediterranean", "Transatlantic", "Pan-African", "Sub-Saharan",
    "Democrat|Democrats|Democratic", "Republican|Republicans",
    "Conservative|Conservatives", "Labour", "Liberal|Liberals",
    "Socialist|Socialists", "Communist|Communists", "Bolshevik",
    "Marxist", "Nazi|Nazis", "Zionist",
};

// Counts the tokens of a gazetteer line's alias the way the tokenizer
// would split it (spaces only; hyphens stay inside a token).
int CountTokens(std::string_view alias) {
  return static_cast<int>(std::count(alias.begin(), alias.end(), ' ')) + 1;
}

bool HasLowercase(std::string_view alias) {
  for (char c : alias) {
    if (c >= 'a' && c <= 'z') return true;
  }
  return false;
}

}  // namespace

const Gazetteer& Gazetteer::Default() {
  static const Gazetteer* const kGazetteer = new Gazetteer();
  return *kGazetteer;
}

Gazetteer::Gazetteer() {
  for (std::string_view line : kCountries) Add(line, v1::LOC, true);
  for (std::string_view line : kPlaces) Add(line, v1::LOC, false);
  for (std::string_view line : kOrganizations) Add(line, v1::ORG, false);
  for (std::string_view line : kDemonyms) Add(line, v1::MISC, false);
}

void Gazetteer::Add(std::string_view line, v1::EntityType type,
                    bool country) {
  std::vector<std::string_view> aliases = Split(line, '|');
  GazetteerEntry entry;
  entry.canonical = aliases.front();
  entry.type = type;
  entry.country = country;
  for (std::string_view alias : aliases) {
    max_tokens_ = std::max(max_tokens_, CountTokens(alias));
    // The first definition wins, so a city listed twice keeps its type.
    if (!HasLowercase(alias) && alias.size() >= 2) {
      exact_.emplace(alias, entry);
    } else {
      folded_.emplace(Lowercase(alias), entry);
    }
  }
}

const GazetteerEntry* Gazetteer::Find(std::string_view surface,
                                      std::string* scratch) const {
  if (auto it = exact_.find(surface); it != exact_.end()) return &it->second;
  scratch->clear();
  AppendLowercase(surface, scratch);
  if (auto it = folded_.find(*scratch); it != folded_.end()) {
    return &it->second;
  }
  return nullptr;
}

}  // namespace tag
}  // namespace newsflow
